#include "queue.hpp"

#include <algorithm>
#include <cctype>

#include "round_plan.hpp"
#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::sys_days;
using Clock = std::chrono::system_clock;

constexpr auto kChinaStandardTime = std::chrono::hours(8);

Date china_date(Clock::time_point t) { return Date{std::chrono::floor<days>(t + kChinaStandardTime)}; }

const Text kCountyOutside{"that county is outside your jurisdiction", "该县（市、区）不在您的管辖范围内"};
const Text kCursorOfAnotherSort{"this cursor was issued for another sort; start again from the first page",
                                "该翻页标记属于另一种排序，请从第一页重新开始"};

// 422, with the parameter at fault.
std::unexpected<Problem> refused(std::string pointer, const Text& why) {
  return refuse({ProblemKind::rule, why, {}, {{std::move(pointer), why.en, why.zh}}});
}

// The county is the caller's own (county), one of its city's (city), or any of Shandong's (province).
bool county_in_jurisdiction(const Actor& reviewer, const RegionCatalog& regions, const std::string& county) {
  switch (*reviewer.tier) {
    case Tier::county: return county == reviewer.region;
    case Tier::city: return regions.city_of(county) == reviewer.region;
    case Tier::province: return regions.is_county(county);
  }
  return false;
}

}  // namespace

Result<QueueQuery> queue_query(const cmd::PendingReviews& command, const RegionCatalog& regions,
                               Clock::time_point now) {
  const Actor& actor = command.actor;
  const Tier tier = *actor.tier;
  if (command.county && !county_in_jurisdiction(actor, regions, *command.county))
    return refused("/query/county", kCountyOutside);
  if (command.cursor && command.cursor->sort != name(command.sort))
    return refused("/query/cursor", kCursorOfAnotherSort);
  QueueQuery q;
  q.key = command.sort == cmd::QueueSort::due_at ? "d.due_key" : "d.arrived_at";
  // Escalation (CONTRACT §6): past its due date at the tier below, it is shown to the tier above too.
  if (command.overdue && tier != Tier::county) {
    q.where = " WHERE d.state IN (?, ?)";
    q.params = {std::string(name(review_state(tier))),
                std::string(name(review_state(tier == Tier::province ? Tier::city : Tier::county)))};
  } else {
    q.where = " WHERE d.state = ?";
    q.params = {std::string(name(review_state(tier)))};
  }
  // The jurisdiction, or the county inside it (checked above) that narrows it.
  std::string scope = "ix_queue_";
  if (tier == Tier::county || command.county) {
    q.where += " AND d.region = ?";
    q.params.emplace_back(command.county.value_or(actor.region));
    scope += "region_";
  } else if (tier == Tier::city) {
    q.where += " AND d.city = ?";
    q.params.emplace_back(actor.region);
    scope += "city_";
  }
  if (!command.q && !command.round && !command.kind && !command.overdue) {
    Statement counted{"SELECT COALESCE(SUM(n), 0) AS n FROM queue_counts WHERE state = ?",
                      {std::string(name(review_state(tier)))}};
    if (tier == Tier::county || command.county) {
      counted.sql += " AND region = ?";
      counted.params.emplace_back(command.county.value_or(actor.region));
    } else if (tier == Tier::city) {
      counted.sql += " AND city = ?";
      counted.params.emplace_back(actor.region);
    }
    q.counted = std::move(counted);
  }
  if (command.round) scope = "ix_queue_round_";
  // Only the arrived indexes hold search_text (migration 0014): a search reads one of them, and
  // in due_at order sorts the entries it matched. Otherwise overdue reads the due date's range
  // (then, for arrived_at order or two states, a sort of those entries), and a page the index in
  // its order, read until the page is full. A total without a search counts the narrower due
  // index's entries, about half the bytes.
  const bool due_index = !command.q && (command.sort == cmd::QueueSort::due_at || command.overdue);
  q.page_index = scope + (due_index ? "due" : "arrived");
  q.count_index = scope + (command.q ? "arrived" : "due");
  if (command.round) {
    q.where += " AND d.round_id = ?";
    q.params.emplace_back(*command.round);
  }
  if (command.kind) {
    q.where += " AND d.kind = ?";
    q.params.emplace_back(std::string(name(*command.kind)));
  }
  if (command.overdue) {  // due_key is kNoDueKey when there is no due date: never overdue
    q.where += " AND d.due_key <= ?";
    q.params.emplace_back(db_time(now));
  }
  if (command.q) {
    q.where += " AND d.search_text LIKE ?";
    q.params.emplace_back(like_contains(*command.q));
  }
  return q;
}

std::vector<CountDelta> count_deltas(const Row& row, State from) {
  const bool left = review_tier(from).has_value(), entered = review_tier(row.state).has_value();
  if (from == row.state || (!left && !entered)) return {};
  // The slot: the id's last hex digit (a v7 UUID's random bits), so one county's changes spread.
  const unsigned char last = row.id.empty() ? '0' : static_cast<unsigned char>(row.id.back());
  const int slot = std::isdigit(last) ? last - '0' : std::isxdigit(last) ? std::tolower(last) - 'a' + 10 : 0;
  std::vector<CountDelta> out;
  if (left) out.push_back({std::string(name(from)), row.region, row.city, slot, -1});
  if (entered) out.push_back({std::string(name(row.state)), row.region, row.city, slot, 1});
  return out;
}

std::optional<Statement> count_statement(std::vector<CountDelta> deltas) {
  // The first slot named for a state and county takes the sum (stable: the first stays first).
  std::stable_sort(deltas.begin(), deltas.end(), [](const CountDelta& a, const CountDelta& b) {
    return std::tie(a.state, a.region) < std::tie(b.state, b.region);
  });
  Statement s{"INSERT INTO queue_counts (state, region, slot, city, n) VALUES ", {}};
  for (size_t i = 0; i < deltas.size();) {
    const auto& first = deltas[i];
    int sum = 0;
    size_t j = i;
    for (; j < deltas.size() && deltas[j].state == first.state && deltas[j].region == first.region; ++j)
      sum += deltas[j].delta;
    if (sum != 0) {
      if (!s.params.empty()) s.sql += ", ";
      s.sql += "(?, ?, ?, ?, ?)";
      s.params.insert(s.params.end(), {first.state, first.region, first.slot, first.city, sum});
    }
    i = j;
  }
  if (s.params.empty()) return std::nullopt;
  s.sql += " ON DUPLICATE KEY UPDATE n = n + VALUES(n)";
  return s;
}

void after(QueueQuery& q, const PageCursor& cursor) {
  q.where += " AND (" + q.key + " > ? OR (" + q.key + " = ? AND d.id > ?))";
  q.params.insert(q.params.end(), {cursor.time, cursor.time, cursor.id});
}

PageCursor cursor_of(const Row& row, cmd::QueueSort sort) {
  const auto& key = sort == cmd::QueueSort::due_at ? row.due_at : row.arrived_at;
  // A row at a tier always has arrived_at (plan's set_deadline, migrations 0006 and 0008).
  return {key.value_or(sort == cmd::QueueSort::due_at ? kNoDueKey : row.updated_at), row.id, std::string(name(sort))};
}

std::string like_contains(std::string_view term) {
  std::string out = "%";
  for (char c : term) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

std::optional<int> working_days_left(const WorkingDays& calendar, Clock::time_point now, Clock::time_point due_at) {
  const Date today = china_date(now);
  // due_at ends the due day (midnight after it, Beijing time): the day is that of the instant before.
  const Date due_day = china_date(due_at - std::chrono::microseconds(1));
  const int a = static_cast<int>(today.year()), b = static_cast<int>(due_day.year());
  for (int y = std::min(a, b); y <= std::max(a, b); ++y)
    if (!calendar.covers(y)) return std::nullopt;
  if (sys_days{today} <= sys_days{due_day}) return calendar.between(today, due_day);
  return -std::max(1, calendar.between(due_day, today));
}

json queue_item(const Row& row, const RegionCatalog& regions, const WorkingDays& calendar, Tier caller,
                Clock::time_point now) {
  json item = row.to_json(regions);
  const auto due = row.due_at ? time_of_db(*row.due_at) : std::nullopt;
  const auto left = due ? working_days_left(calendar, now, *due) : std::nullopt;
  item["working_days_left"] = left ? json(*left) : json(nullptr);
  item["overdue"] = due && now >= *due;
  item["escalated"] = row.state != review_state(caller);
  // The submitted score carries the claim it was computed for (CONTRACT §3); the item has no payload.
  const bool has_claim = row.kind == Kind::morning_star && row.score.is_object() &&
                         row.score.contains("claimed_level") && row.score["claimed_level"].is_number_integer();
  item["claimed_level"] = has_claim ? row.score["claimed_level"] : json(nullptr);
  const bool has_total = row.kind == Kind::industry_brain && row.score.is_object() && row.score.contains("total") &&
                         row.score["total"].is_number();
  item["score_total"] = has_total ? row.score["total"] : json(nullptr);
  item.erase("payload");  // the content is the declaration's own read
  return item;
}

}  // namespace sdp::workflow
