#include "sdp/problem.hpp"

#include "sdp/names.hpp"

namespace sdp {
namespace {

constexpr Names<ProblemKind, 9> kKinds{{
    {ProblemKind::invalid, "invalid"},
    {ProblemKind::unauthenticated, "unauthenticated"},
    {ProblemKind::forbidden, "forbidden"},
    {ProblemKind::not_found, "not_found"},
    {ProblemKind::conflict, "conflict"},
    {ProblemKind::precondition_failed, "precondition_failed"},
    {ProblemKind::precondition_required, "precondition_required"},
    {ProblemKind::rule, "rule"},
    {ProblemKind::unavailable, "unavailable"},
}};

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view name(ProblemKind k) { return name_in(kKinds, k); }
std::optional<ProblemKind> parse_problem_kind(std::string_view s) { return parse_in(kKinds, s); }

Problem Problem::invalid(std::vector<SchemaProblem> errors) {
  return {ProblemKind::invalid, {"The request is not valid", "提交的内容有误"}, {}, std::move(errors)};
}

Problem Problem::invalid(std::string pointer, Text message) {
  return invalid({SchemaProblem{std::move(pointer), std::move(message.en), std::move(message.zh)}});
}

Problem Problem::unavailable(Text detail) {
  return {ProblemKind::unavailable, {"Service temporarily unavailable", "服务暂不可用"}, std::move(detail), {}};
}

nlohmann::json Problem::to_json() const {
  nlohmann::json j = {{"kind", name(kind)}, {"title", title.en}, {"title_zh", title.zh}};
  if (!detail.en.empty() || !detail.zh.empty()) j["detail"] = detail.en, j["detail_zh"] = detail.zh;
  if (!errors.empty()) {
    auto& out = j["errors"] = nlohmann::json::array();
    for (const auto& e : errors)
      out.push_back({{"pointer", e.pointer}, {"message", e.message}, {"message_zh", e.message_zh}});
  }
  return j;
}

std::expected<Problem, std::string> Problem::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::unexpected("a problem is an object");
  auto kind = parse_problem_kind(string_at(j, "kind"));
  if (!kind) return std::unexpected("unknown problem kind '" + string_at(j, "kind") + "'");
  Problem p{*kind,
            {string_at(j, "title"), string_at(j, "title_zh")},
            {string_at(j, "detail"), string_at(j, "detail_zh")},
            {}};
  if (auto it = j.find("errors"); it != j.end() && it->is_array())
    for (const auto& e : *it)
      if (e.is_object())
        p.errors.push_back({string_at(e, "pointer"), string_at(e, "message"), string_at(e, "message_zh")});
  return p;
}

}  // namespace sdp
