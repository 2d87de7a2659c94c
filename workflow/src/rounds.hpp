#pragma once
// Programme rounds in workflow's database: the row of a round, read and written.

#include <optional>
#include <string>

#include "round_plan.hpp"
#include "sdp/db.hpp"

namespace sdp::workflow {

// The round `id`, if there is one.
std::optional<RoundRow> load_round(db::Connection& c, const std::string& id, bool for_update = false);

}  // namespace sdp::workflow
