#pragma once
// Rounds for tests (CONTRACT §6): every declaration names one, so a test opens one first.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sdp::test {

// The body of POST /v1/rounds (and of CreateRound through the codec) for a round of `kind` that
// opened `opened_ago` before now and closes `closes_in` after now, with 100 places for each city.
// `around` instead of now: for a service whose clock is moved (SDP_CLOCK_OFFSET_SECONDS).
nlohmann::json open_round_body(const std::string& kind, std::chrono::seconds opened_ago = std::chrono::hours(24),
                               std::chrono::seconds closes_in = std::chrono::hours(24 * 30),
                               std::optional<std::chrono::system_clock::time_point> around = std::nullopt);

// RFC 3339 in UTC, `offset` from now (or from `around`).
std::string rfc3339_from_now(std::chrono::seconds offset,
                             std::optional<std::chrono::system_clock::time_point> around = std::nullopt);

// A fixed instant in Beijing (China Standard Time, UTC+8) of 2026, for tests on a moved clock.
std::chrono::system_clock::time_point beijing_2026(int month, int day, int hour, int minute = 0);
// SDP_CLOCK_OFFSET_SECONDS that puts workflow's clock at `target` now.
std::string clock_offset_to(std::chrono::system_clock::time_point target);
// "2026-10-10T16:00:00.000Z" (an RFC 3339 UTC time as the API writes it) as a time point.
std::chrono::system_clock::time_point utc_time(const std::string& rfc3339);

}  // namespace sdp::test
