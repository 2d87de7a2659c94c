#include "sdp/uscc.hpp"

#include <array>
#include <cctype>

namespace sdp {

bool valid_uscc(std::string_view code) {
  // The code's alphabet: digits and upper-case letters without I, O, S, V, Z.
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  if (code.size() != 18) return false;
  int sum = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    auto value = kAlphabet.find(code[i]);
    if (value == std::string_view::npos) return false;
    if (i >= 2 && i < 8 && !std::isdigit(static_cast<unsigned char>(code[i]))) return false;  // 登记管理机关行政区划码
    if (i < 17) sum += static_cast<int>(value) * kWeights[i];
  }
  return kAlphabet[(31 - sum % 31) % 31] == code[17];
}

}  // namespace sdp
