#pragma once
// Words people read (CONTRACT §3): English and Chinese side by side, the one a request's
// Accept-Language prefers, and valijson's problems turned into plain words of both.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sdp/json_schema.hpp"

namespace sdp {

// One sentence in both languages.
struct Text {
  std::string en, zh;
  bool operator==(const Text&) const = default;
};

enum class Language { en, zh };

// zh when the header rates a zh range above every en range (q-values honoured; on a tie the one
// listed first wins; "*" counts for both); en otherwise, and when the header is absent.
Language preferred_language(std::string_view accept_language);

inline const std::string& in(Language language, const Text& text) {
  return language == Language::zh && !text.zh.empty() ? text.zh : text.en;
}

// One problem as valijson reported it (its document pointer and description) in plain words of
// both languages; `schema` is the whole schema validated against, read at the pointer for the
// accepted field names, enum values and limits ("x-label" names an object, "x-format" a pattern).
SchemaProblem plain_schema_problem(const SchemaProblem& raw, const nlohmann::json& schema);

}  // namespace sdp
