#pragma once
// Rounds for tests (CONTRACT §6): every declaration names one, so a test opens one first.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace sdp::test {

// The body of POST /v1/rounds (and of CreateRound through the codec) for a round of `kind` that
// opened `opened_ago` before now and closes `closes_in` after now, with 100 places for each city.
nlohmann::json open_round_body(const std::string& kind, std::chrono::seconds opened_ago = std::chrono::hours(24),
                               std::chrono::seconds closes_in = std::chrono::hours(24 * 30));

// RFC 3339 in UTC, `offset` from now.
std::string rfc3339_from_now(std::chrono::seconds offset);

}  // namespace sdp::test
