#pragma once
// The scoring service: consumes declaration events that carry data.scoring, publishes
// score.computed events (once per source event), and answers score previews over NATS.

#include <expected>
#include <optional>
#include <string>

#include "sdp/event.hpp"
#include "sdp/scoring/scorer.hpp"
#include "sdp/service.hpp"

namespace sdp::scoring {

ServiceSpec spec();
void setup(Runtime& runtime);

// The pure core of the consumer: the score event for `source`, nothing when the event asks for
// no score, or the reason it can never be scored (it goes to the dead-letter subject).
// The score event's id is derived from the source event's, so a re-score is a JetStream duplicate.
std::expected<std::optional<Event>, std::string> score_event_for(const Scorer& scorer, const JsonSchema& request_schema,
                                                                 const Event& source, const std::string& now);

// The pure core of the preview command: {kind, payload, verified?} -> {"status":200,"body":score} or
// {"status":400,"title","errors":[{pointer,message}]}.
nlohmann::json preview(const Scorer& scorer, const nlohmann::json& request);

}  // namespace sdp::scoring
