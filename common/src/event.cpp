#include "sdp/event.hpp"

#include "sdp/crypto.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/time.hpp"

namespace sdp {

nlohmann::json Event::to_json() const {
  return {{"id", id},
          {"type", type},
          {"declaration_id", declaration_id},
          {"version", version},
          {"occurred_at", occurred_at},
          {"actor", actor},
          {"data", data}};
}

std::string Event::subject() const { return kEventSubjectPrefix + type; }

std::expected<Event, std::vector<SchemaProblem>> parse_event(std::string_view text, const JsonSchema& envelope_schema) {
  auto parsed = parse_json(text);
  if (!parsed) {
    if (parsed.error().kind == JsonParseError::Kind::syntax)
      return std::unexpected(std::vector<SchemaProblem>{{"", "not valid JSON"}});
    return std::unexpected(std::vector<SchemaProblem>{{parsed.error().pointer, parsed.error().message}});
  }
  const nlohmann::json& j = *parsed;
  if (auto problems = envelope_schema.validate(j); !problems.empty()) return std::unexpected(std::move(problems));
  Event e;
  e.id = j["id"].get<std::string>();
  e.type = j["type"].get<std::string>();
  e.declaration_id = j["declaration_id"].get<std::string>();
  e.version = j["version"].get<int64_t>();
  e.occurred_at = j["occurred_at"].get<std::string>();
  e.actor = j["actor"];
  e.data = j["data"];
  return e;
}

Event make_event(std::string type, std::string declaration_id, int64_t version, nlohmann::json actor,
                 nlohmann::json data) {
  return Event{crypto::uuid_v7(), std::move(type), std::move(declaration_id), version, now_rfc3339(),
               std::move(actor),  std::move(data)};
}

}  // namespace sdp
