#pragma once
// The event envelope of CONTRACT §5: {id, type, declaration_id, version, occurred_at, actor, data}.

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sdp/json_schema.hpp"

namespace sdp {

struct Event {
  std::string id;    // unique; also the JetStream message id
  std::string type;  // e.g. "declaration.submitted"
  std::string declaration_id;
  int64_t version = 0;      // the declaration's version the event is about
  std::string occurred_at;  // RFC 3339, UTC
  nlohmann::json actor = nlohmann::json::object();
  nlohmann::json data = nlohmann::json::object();

  nlohmann::json to_json() const;
  // The JetStream subject the event is published on: "sdp.events." + type.
  std::string subject() const;
};

// Parses and validates an envelope; every problem is returned with its JSON pointer.
std::expected<Event, std::vector<SchemaProblem>> parse_event(std::string_view text, const JsonSchema& envelope_schema);

// A new event with a fresh time-ordered id and the current time.
Event make_event(std::string type, std::string declaration_id, int64_t version, nlohmann::json actor,
                 nlohmann::json data);

inline constexpr const char* kEventSubjectPrefix = "sdp.events.";

}  // namespace sdp
