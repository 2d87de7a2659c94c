#pragma once
// A reviewer's queue (CONTRACT §6, GET /v1/reviews/pending): its filters, sorts and escalation as
// SQL over the declarations' queue indexes (migration 0008), and what each item carries besides
// the declaration (working days left, overdue, escalated, claimed level or total). No database,
// no clock: the caller runs the SQL and says what time it is.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "sdp/commands.hpp"
#include "sdp/db.hpp"
#include "sdp/regions.hpp"
#include "sdp/working_days.hpp"

namespace sdp::workflow {

// The due_at sort key (declarations.due_key) of a declaration with no due date: after every real one.
inline constexpr const char* kNoDueKey = "9999-12-31 23:59:59.999999";

// One statement and its parameters.
struct Statement {
  std::string sql;
  std::vector<db::Param> params;
};

// One queue as SQL: `where` (" WHERE …", columns as d.<name>) and its parameters, without the
// page's position; `key` the column the sort orders by, then d.id.
struct QueueQuery {
  std::string where;
  std::vector<db::Param> params;
  std::string key;
  // The index (migration 0008) of the total and of the page: jurisdiction, or round, by the order
  // the page reads (an overdue queue reads the due date's range).
  std::string count_index, page_index;
  // A queue with no search, round, kind or overdue filter: its total is the sum of these rows of
  // queue_counts (migration 0021) instead of a count of its index entries.
  std::optional<Statement> counted;
};

// The queue of `command`'s reviewer (whose jurisdiction the caller has checked is valid): its
// tier's review state in its jurisdiction, and with `overdue` also the tier below's past due_at
// (escalation). A county outside the jurisdiction or a cursor of another sort is refused (rule).
Result<QueueQuery> queue_query(const cmd::PendingReviews& command, const RegionCatalog& regions,
                               std::chrono::system_clock::time_point now);
// A change of one row of queue_counts: `delta` declarations more (or fewer) in `state` in a county.
struct CountDelta {
  std::string state, region, city;
  int slot = 0;
  int delta = 0;
};
// The changes of queue_counts when `row` has moved from `from` to its state: none unless it left
// a review state or entered one. A county's count is spread over 16 slots by the id's last hex digit.
std::vector<CountDelta> count_deltas(const Row& row, State from);
// `deltas` as one statement: summed per state and county (into the first slot named for it), in
// the table's key order, so that transactions changing the same rows lock them in the same order;
// none when they cancel out.
std::optional<Statement> count_statement(std::vector<CountDelta> deltas);

// Narrows `q` to the rows after `cursor` in its order.
void after(QueueQuery& q, const PageCursor& cursor);
// The cursor of `row` as the last of a page sorted by `sort`.
PageCursor cursor_of(const Row& row, cmd::QueueSort sort);

// "%<term>%" with LIKE's %, _ and \ escaped (MariaDB's default escape character is \).
std::string like_contains(std::string_view term);

// Working days from today to the due date, both in Beijing time: 0 on the due day, the working
// days after today up to it before, and once overdue minus the working days since it (at least
// -1, so that an overdue item never shows 0). Nothing when the calendar lacks a year in between.
std::optional<int> working_days_left(const WorkingDays& calendar, std::chrono::system_clock::time_point now,
                                     std::chrono::system_clock::time_point due_at);

// The declaration as its reviewer's queue shows it: the declaration without its payload (the
// content is read with the declaration), and working_days_left, overdue, escalated (awaiting the
// tier below the caller's, shown because overdue), claimed_level (晨星工厂, from the payload) and
// score_total (产业大脑).
nlohmann::json queue_item(const Row& row, const RegionCatalog& regions, const WorkingDays& calendar, Tier caller,
                          std::chrono::system_clock::time_point now);

}  // namespace sdp::workflow
