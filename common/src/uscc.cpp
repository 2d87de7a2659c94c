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

bool valid_resident_id(std::string_view n) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  if (n.size() != 18) return false;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(n[i]))) return false;
    sum += (n[i] - '0') * kWeights[i];
  }
  auto digits = [&](size_t at, size_t len) {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + (n[i] - '0');
    return v;
  };
  const int year = digits(6, 4), month = digits(10, 2), day = digits(12, 2);
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  return kCheck[sum % 11] == n[17];
}

}  // namespace sdp
