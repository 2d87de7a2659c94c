#include "sdp/cursor.hpp"

#include <regex>

#include "sdp/crypto.hpp"

namespace sdp {

std::string encode_cursor(const PageCursor& cursor) {
  return crypto::base64url_encode(cursor.time + "|" + cursor.id + (cursor.sort.empty() ? "" : "|" + cursor.sort));
}

std::optional<PageCursor> decode_cursor(std::string_view text) {
  static const std::regex time_form(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?)");
  static const std::regex sort_form("[a-z_]{1,32}");
  auto raw = crypto::base64url_decode(text);
  if (!raw) return std::nullopt;
  auto bar = raw->find('|');
  if (bar == std::string::npos) return std::nullopt;
  PageCursor c{raw->substr(0, bar), raw->substr(bar + 1), ""};
  if (auto second = c.id.find('|'); second != std::string::npos) {
    c.sort = c.id.substr(second + 1);
    c.id.resize(second);
    if (!std::regex_match(c.sort, sort_form)) return std::nullopt;
  }
  if (!std::regex_match(c.time, time_form) || c.id.size() != 36) return std::nullopt;
  return c;
}

}  // namespace sdp
