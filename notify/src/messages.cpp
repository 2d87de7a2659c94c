#include "messages.hpp"

#include "sdp/error.hpp"

namespace sdp::notify {
namespace {
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}
std::string lookup(const nlohmann::json& map, const std::string& key) {
  return map.contains(key) && map[key].is_string() ? map[key].get<std::string>() : key;
}
// "<pointer>: <message>; …" of every problem, under `prefix` (the member validated).
std::string listed(const std::vector<SchemaProblem>& problems, const std::string& prefix) {
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "; ") + prefix + p.pointer + ": " + p.message;
  return out;
}
}  // namespace

std::expected<Event, std::string> read_event(std::string_view text, const EventSchemas& schemas) {
  auto event = parse_event(text, schemas.envelope);
  if (!event) return std::unexpected("not an event envelope: " + listed(event.error(), ""));
  if (auto problems = schemas.declaration_data.validate(event->data); !problems.empty())
    return std::unexpected("data breaks declaration.schema.json: " + listed(problems, "/data"));
  return std::move(*event);
}

Templates Templates::from_json(const nlohmann::json& j) {
  for (auto part : {"programmes", "tiers", "states", "applicant", "reviewer", "comment_line"})
    if (!j.contains(part)) throw Error(ErrorSource::config, std::string("notify templates: '") + part + "' is missing");
  Templates t;
  t.doc_ = j;
  return t;
}

std::string Templates::fill(const std::string& text, const Event& e, const std::string& region_name) const {
  const auto& d = e.data;
  auto comment = d.value("comment", "");
  auto to = d.value("to", "");
  auto s = text;
  s = replace_all(s, "{comment_line}",
                  comment.empty() ? "" : replace_all(doc_["comment_line"].get<std::string>(), "{comment}", comment));
  s = replace_all(s, "{programme}", lookup(doc_["programmes"], d.value("kind", "")));
  s = replace_all(s, "{number}", d.value("number", ""));
  s = replace_all(s, "{title}", d.value("title", ""));
  s = replace_all(s, "{tier}", lookup(doc_["tiers"], d.value("tier", "")));
  s = replace_all(s, "{state}", lookup(doc_["states"], to));
  s = replace_all(s, "{comment}", comment);
  s = replace_all(s, "{region_name}", region_name);
  return s;
}

std::optional<std::string> Templates::applicant_message(const Event& e) const {
  if (!doc_["applicant"].contains(e.type)) return std::nullopt;
  return fill(doc_["applicant"][e.type].get<std::string>(), e, "");
}

std::optional<std::string> Templates::reviewer_message(const Event& e, const std::string& region_name) const {
  if (!e.data.contains("arrives_at")) return std::nullopt;
  return fill(doc_["reviewer"]["arrives"].get<std::string>(), e, region_name);
}

Plan plan(const Event& e, const Templates& templates, const std::string& region_name) {
  Plan p;
  const auto& d = e.data;
  p.applicant_org = d.value("org", "");
  p.applicant_text = templates.applicant_message(e);
  if (p.applicant_text && !p.applicant_org.empty()) p.inbox.push_back({"org:" + p.applicant_org, *p.applicant_text});
  // The reviewers of the tier the declaration arrives at, in its jurisdiction.
  if (auto text = templates.reviewer_message(e, region_name)) {
    auto tier = d["arrives_at"].get<std::string>();
    auto region = tier == "county" ? d.value("region", "")
                  : tier == "city" ? d.value("city", "")
                                   : std::string(kProvinceRegion);
    p.inbox.push_back({"reviewer:" + tier + ":" + region, *text});
  }
  if (d.contains("contact") && d["contact"].contains("email") && d["contact"]["email"].is_string())
    p.email = d["contact"]["email"].get<std::string>();
  return p;
}

std::string audience_of(const Actor& actor) {
  if (actor.role == Role::applicant) return "org:" + actor.org;
  if (actor.role == Role::reviewer && actor.tier)
    return "reviewer:" + std::string(name(*actor.tier)) + ":" + actor.region;
  return {};
}

nlohmann::json webhook_body(const Event& e, const std::string& text) {
  return {{"id", e.id},
          {"type", e.type},
          {"occurred_at", e.occurred_at},
          {"declaration_id", e.declaration_id},
          {"number", e.data.value("number", "")},
          {"kind", e.data.value("kind", "")},
          {"state", e.data.value("to", "")},
          {"version", e.version},
          {"message", text}};
}

}  // namespace sdp::notify
