#pragma once
// 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters whose last is a
// check character over the first 17.

#include <string_view>

namespace sdp {

bool valid_uscc(std::string_view code);

}  // namespace sdp
