#pragma once
// The pure rules of expert review (CONTRACT §8): who may sit on a declaration's panel (its kind,
// no conflict of interest), what a re-assignment keeps and changes, and the panel's result
// (the mean, trimmed of the highest and the lowest score from 5 reviews on).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "round_plan.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"
#include "sdp/regions.hpp"

namespace sdp::workflow {

inline constexpr size_t kMinPanel = 3, kMaxPanel = 7;

struct Expert {
  std::string sub, name;
  std::optional<std::string> employer;  // 统一社会信用代码
  std::string home_region;              // a county or city code
  std::vector<Kind> kinds;

  nlohmann::json to_json(const RegionCatalog& regions) const;
  bool reviews(Kind k) const;
};

// Whether a county or city code lies in `city` (37XX00): its first four digits are the city's.
bool in_city(std::string_view region, std::string_view city);

// Why `expert` may not review a declaration of `org` in `city`: its employer is the applicant
// (reason "employer"), or its home region is in the applicant's city ("home_region"); nothing when
// it may. The words name the expert.
struct Conflict {
  std::string reason;
  Text words;
};
std::optional<Conflict> conflict_of(const Expert& expert, const std::string& org, const std::string& city);

// What a new expert of the pool breaks: a name, an employer's 统一社会信用代码 (check character),
// a county or city of Shandong as its home region, one or more kinds; each with its pointer.
std::vector<SchemaProblem> expert_problems(const Expert& expert, const RegionCatalog& regions);

// What a panel assignment does: the experts to add and to remove; those who have reviewed stay.
struct PanelChange {
  std::vector<std::string> add, remove;
  Clock::time_point due_at;
};

// The assignment of `requested` (subs, in order) with `due_at` (RFC 3339) to a declaration of
// `kind`, `org` and `city` whose panel now is `current`, of whom `reviewed` have submitted:
// duplicates or a due date that is not one are invalid; an expert the pool lacks (`pool` holds the
// requested ones it has), of another kind, with a conflict, a due date not after `now`, or a panel
// left outside 3 to 7 are refused as rules, each with its pointer and the expert named.
Result<PanelChange> plan_panel(const std::vector<std::string>& requested, const std::string& due_at,
                               const std::map<std::string, Expert>& pool, const std::set<std::string>& current,
                               const std::set<std::string>& reviewed, Kind kind, const std::string& org,
                               const std::string& city, Clock::time_point now);

// The panel's result of `scores`: {count, mean, trimmed_mean}, means rounded to 2 places and null
// without a score; trimmed_mean drops one highest and one lowest score when there are 5 or more,
// and is the mean below that.
nlohmann::json panel_result(const std::vector<double>& scores);

// Whether a panel holds the province's approve: assigned, not every member reviewed, and `now`
// before its due date.
bool panel_pending(size_t members, size_t reviewed, std::optional<Clock::time_point> due_at, Clock::time_point now);

// An expert's review body: score 0..100, an opinion, per-item notes keyed by an id of the kind's
// catalogue (`item_ids`); every problem with its pointer.
std::vector<SchemaProblem> review_problems(double score, const std::string& opinion, const nlohmann::json* items,
                                           const std::set<std::string>& item_ids);

}  // namespace sdp::workflow
