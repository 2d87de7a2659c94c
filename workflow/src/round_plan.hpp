#pragma once
// The pure core of programme rounds (申报批次, CONTRACT §6): a round's state from the clock, the
// intake window a declaration is checked against, and the plans of creating and patching a round.

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sdp/actor.hpp"
#include "sdp/commands.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"
#include "sdp/regions.hpp"

namespace sdp::workflow {

using Clock = std::chrono::system_clock;

// A round as its row holds it; opens_at and closes_at as UTC time points.
struct RoundRow {
  std::string id;
  Kind kind = Kind::morning_star;
  int year = 0;
  std::string title;
  Clock::time_point opens_at, closes_at;
  cmd::ReviewDays review_working_days;
  std::map<std::string, int> quotas;
  int publicity_working_days = 5;
  int validity_years = 3;
  int64_t version = 1;
  std::string created_at, updated_at;  // DATETIME(6) text

  // The round of CONTRACT §6, its state as of `now`.
  nlohmann::json to_json(Clock::time_point now) const;
};

// RFC 3339 ("2026-03-01T00:00:00+08:00", "…Z", fractions allowed) as a time point; nothing when it is not one.
std::optional<Clock::time_point> parse_rfc3339(std::string_view text);
// A DATETIME(6) text as the rows hold it ("2026-03-01 08:00:00.000000", UTC) as a time point.
std::optional<Clock::time_point> time_of_db(std::string_view db_text);
// A time as the API writes it: RFC 3339 in UTC with milliseconds.
std::string rfc3339(Clock::time_point t);

cmd::RoundState round_state(const RoundRow& round, Clock::time_point now);

// Creating or first submitting a declaration outside [opens_at, closes_at) is a conflict naming the dates.
std::optional<Problem> outside_window(const RoundRow& round, Clock::time_point now);

// Resubmitting after a return (CONTRACT §6) stays possible after closes_at until `due`, the returning
// tier's due date (none: not known yet, so not refused); after both, a conflict naming both dates.
std::optional<Problem> resubmission_closed(const RoundRow& round, Tier returned_by,
                                           std::optional<Clock::time_point> due, Clock::time_point now);

// A new round (id and times still to be given by the writer), or why not.
Result<RoundRow> plan_create_round(const cmd::CreateRound& command, const RegionCatalog& regions);
// The round after the patch (version bumped), or why not; `used` is each city's places in the
// round now, below which its quota may not go (a rule, 422, naming the city and the counts).
Result<RoundRow> plan_update_round(const RoundRow& round, const cmd::UpdateRound& command, const RegionCatalog& regions,
                                   const std::map<std::string, int>& used = {});

}  // namespace sdp::workflow
