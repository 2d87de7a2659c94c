#pragma once
// 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters whose last is a
// check character over the first 17. And the resident identity number (公民身份号码), checked the same way.

#include <string_view>

namespace sdp {

bool valid_uscc(std::string_view code);

// 公民身份号码, GB 11643-1999: 17 digits and a check character (0-9 or X) over them (ISO 7064 MOD 11-2),
// the 7th to 14th digits a real birth date.
bool valid_resident_id(std::string_view number);

}  // namespace sdp
