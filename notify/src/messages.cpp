#include "messages.hpp"

#include <chrono>
#include <cstdio>

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
// "10月10日": the last day of a deadline that ends at 24:00 Beijing time (RFC 3339 UTC in).
std::string due_date(const std::string& rfc3339) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) return rfc3339;
  using namespace std::chrono;
  const auto t = sys_days{year{y} / mo / d} + hours(h) + minutes(mi) + seconds(s) + hours(8) - seconds(1);
  const year_month_day day{floor<days>(t)};
  return std::to_string(static_cast<unsigned>(day.month())) + "月" + std::to_string(static_cast<unsigned>(day.day())) +
         "日";
}
// The tier above `tier` and its region for the declaration (none above the province).
std::optional<std::pair<std::string, std::string>> tier_above(const std::string& tier, const nlohmann::json& d) {
  if (tier == "county") return std::pair<std::string, std::string>{"city", d.value("city", "")};
  if (tier == "city") return std::pair<std::string, std::string>{"province", std::string(kProvinceRegion)};
  return std::nullopt;
}
std::string region_of(const std::string& tier, const nlohmann::json& d) {
  return tier == "county" ? d.value("region", "") : tier == "city" ? d.value("city", "") : std::string(kProvinceRegion);
}
// An e-mail address as far as a person could have meant one: local@domain, no spaces, bounded.
bool plausible_address(const std::string& a) {
  const auto at = a.find('@');
  return a.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find('@', at + 1) == std::string::npos && a.find_first_of(" \t\r\n<>,;\"") == std::string::npos &&
         a.find('.', at) != std::string::npos;
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
  for (auto part : {"programmes", "tiers", "states", "applicant", "reviewer", "reminders", "comment_line"})
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
  s = replace_all(s, "{due_date}", due_date(d.value("due_at", "")));
  return s;
}

std::string Templates::reminder_message(const Event& e, const std::string& part, const std::string& region_name) const {
  const auto& reminders = doc_["reminders"];
  if (!reminders.contains(part) || !reminders[part].is_string())
    throw Error(ErrorSource::config, "notify templates: 'reminders." + part + "' is missing");
  return fill(reminders[part].get<std::string>(), e, region_name);
}

std::optional<std::string> Templates::expert_message(const Event& e) const {
  if (!doc_.contains("experts") || !doc_["experts"].contains(e.type)) return std::nullopt;
  return fill(doc_["experts"][e.type].get<std::string>(), e, "");
}

std::string Templates::objection_message(const Event& e) const {
  if (!doc_["reviewer"].contains("objection_filed"))
    throw Error(ErrorSource::config, "notify templates: 'reviewer.objection_filed' is missing");
  return fill(doc_["reviewer"]["objection_filed"].get<std::string>(), e, "");
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
  // A panel's assignment or reminder (CONTRACT §8): each expert it names, in its own inbox; never the applicant.
  if (auto text = templates.expert_message(e); text && d.contains("experts") && d["experts"].is_array()) {
    for (const auto& sub : d["experts"])
      if (sub.is_string()) p.inbox.push_back({"expert:" + sub.get<std::string>(), *text});
    return p;
  }
  // An objection filed during 公示: the province's reviewers, who resolve it; it names no objector.
  if (e.type == "declaration.objection_filed") {
    p.inbox.push_back({"reviewer:province:" + std::string(kProvinceRegion), templates.objection_message(e)});
    return p;
  }
  // A deadline reminder (CONTRACT §6): the tier's reviewers, and when overdue the tier above's too
  // (the province's overdue goes to the province alone); inbox and e-mail, never the applicant.
  if (e.type == "declaration.reminder" && d.contains("tier") && d.contains("reminder")) {
    const auto tier = d["tier"].get<std::string>();
    const bool overdue = d["reminder"] == "overdue";
    p.inbox.push_back({"reviewer:" + tier + ":" + region_of(tier, d),
                       templates.reminder_message(e, overdue ? "overdue" : "due_soon", region_name), true});
    if (auto above = tier_above(tier, d); above && overdue)
      p.inbox.push_back({"reviewer:" + above->first + ":" + above->second,
                         templates.reminder_message(e, "overdue_above", region_name), true});
    p.email_subject = templates.reminder_message(e, "email_subject", region_name);
    return p;
  }
  if (d.contains("contact") && d["contact"].contains("email") && d["contact"]["email"].is_string())
    p.email = d["contact"]["email"].get<std::string>();
  p.email_subject = "【山东省数字经济申报平台】" + d.value("number", "");
  return p;
}

Mailboxes read_mailboxes(const nlohmann::json& doc, const RegionCatalog& regions) {
  const std::string where = "SDP_REVIEWER_MAILBOXES: ";
  if (!doc.is_object())
    throw Error(ErrorSource::config, where + "must be an object of \"<tier>:<region>\": [addresses]");
  Mailboxes out;
  for (const auto& [key, addresses] : doc.items()) {
    const auto colon = key.find(':');
    const auto tier = key.substr(0, colon == std::string::npos ? key.size() : colon);
    const auto region = colon == std::string::npos ? std::string() : key.substr(colon + 1);
    if (!regions.valid_for_tier(tier, region))
      throw Error(ErrorSource::config, where + "'" + key + "' is not a county, city or the province of Shandong " +
                                           "(\"county:370102\", \"city:370100\", \"province:370000\")");
    if (!addresses.is_array() || addresses.size() > 100)
      throw Error(ErrorSource::config, where + "'" + key + "' must be a list of at most 100 addresses");
    for (const auto& a : addresses) {
      if (!a.is_string() || !plausible_address(a.get<std::string>()))
        throw Error(ErrorSource::config, where + "'" + key + "' has " + a.dump() + ", not an e-mail address");
      out[key].push_back(a.get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> mailboxes_of(const Mailboxes& mailboxes, const std::string& audience) {
  if (!audience.starts_with("reviewer:")) return {};
  auto it = mailboxes.find(audience.substr(9));
  return it == mailboxes.end() ? std::vector<std::string>{} : it->second;
}

std::string audience_of(const Actor& actor) {
  if (actor.role == Role::applicant) return "org:" + actor.org;
  if (actor.role == Role::reviewer && actor.tier)
    return "reviewer:" + std::string(name(*actor.tier)) + ":" + actor.region;
  if (actor.role == Role::expert) return "expert:" + actor.sub;
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
