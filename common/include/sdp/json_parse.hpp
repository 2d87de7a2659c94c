#pragma once
// Strict JSON parsing for everything that comes from outside a process: nesting bounded, a key
// given twice in one object refused (no last-one-wins), the fault reported with a JSON pointer.

#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sdp {

// What the API takes nests 4 levels (payload.criteria.<id>.met); 32 leaves room and stays far
// from any stack limit (nlohmann's dump and valijson recurse).
inline constexpr std::size_t kMaxInputDepth = 32;
// Messages between services wrap such a document in a few levels of their own.
inline constexpr std::size_t kMaxMessageDepth = 64;

struct JsonParseError {
  enum class Kind { syntax, too_deep, duplicate_key };
  Kind kind;
  std::string pointer;     // the array or object nested too deep, or the repeated member; "" for syntax
  std::string message;     // English, for logs and problem details
  std::string message_zh;  // the same in Chinese (CONTRACT §3)
};

// The document, or why it is refused. Linear in the text; never recurses.
std::expected<nlohmann::json, JsonParseError> parse_json(std::string_view text,
                                                         std::size_t max_depth = kMaxMessageDepth);

}  // namespace sdp
