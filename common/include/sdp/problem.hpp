#pragma once
// A refusal, as every service and core states it: a kind from the domain's vocabulary, words in
// both languages (the gateway keeps the caller's, CONTRACT §3) and, for invalid input, each field
// at fault with its JSON pointer. Only the gateway turns a kind into an HTTP status.
//
// Pointers are those of the HTTP request the command came from: "/payload/…" in a body,
// "/query/limit", "/headers/If-Match".

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/json_schema.hpp"
#include "sdp/messages.hpp"

namespace sdp {

enum class ProblemKind {
  invalid,                // malformed, or breaks the schema or a rule of its fields
  unauthenticated,        // nobody we know
  forbidden,              // the role may never do this
  not_found,              // no such thing, or not visible to the caller
  conflict,               // not allowed in the current state
  precondition_failed,    // the version named is not the current one
  precondition_required,  // the version must be named
  rule,                   // well-formed, refused by a rule of the programme
  unavailable,            // a dependency is down; nothing was done
};

std::string_view name(ProblemKind k);
std::optional<ProblemKind> parse_problem_kind(std::string_view s);

struct Problem {
  ProblemKind kind = ProblemKind::invalid;
  Text title;
  Text detail;
  std::vector<SchemaProblem> errors;

  // "The request is not valid", with every field at fault.
  static Problem invalid(std::vector<SchemaProblem> errors);
  static Problem invalid(std::string pointer, Text message);
  static Problem not_found(Text title) { return {ProblemKind::not_found, std::move(title), {}, {}}; }
  static Problem forbidden(Text title) { return {ProblemKind::forbidden, std::move(title), {}, {}}; }
  static Problem unavailable(Text detail);

  // {"kind", "title", "title_zh", "detail"?, "detail_zh"?, "errors"?: [{pointer, message, message_zh}]}
  nlohmann::json to_json() const;
  static std::expected<Problem, std::string> from_json(const nlohmann::json& j);

  bool operator==(const Problem&) const = default;
};

// What a core or a service answers: the value, or why not.
template <class T>
using Result = std::expected<T, Problem>;

inline std::unexpected<Problem> refuse(Problem p) { return std::unexpected(std::move(p)); }

}  // namespace sdp
