#pragma once
// The pure rules of city quotas (推荐名额, CONTRACT §6): which states hold a recommendation, whether
// a city may recommend one more, the city's ranking of its recommendations, a quota never below
// what is used, and how long an approved rating is valid.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sdp/actor.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"

namespace sdp::workflow {

// A city's approve is its recommendation: it holds a place while at the province, in publicity or approved.
bool recommended(State s);
// The same states as SQL, for the queries that count or list a city's recommendations.
inline constexpr const char* kRecommendedStatesSql = "('province_review', 'publicity', 'approved')";

// What a change of state does to the city's places in the round.
enum class Place { keep, take, free };
Place place_change(State from, State to);

// Whether a command on a declaration in `state` takes or frees a place (so the round is locked
// first): `decision` is the reviewer's, none for the applicant's submit. Only these lock the
// round, so the province's approvals of one round do not queue behind each other.
bool may_move_a_place(State state, std::optional<Tier> returned_by, std::optional<Decision> decision);

// Why the city may not recommend one more when it holds `used` places, or nothing when it may.
// `quotas` empty: the round sets no quotas (rounds migrated from before quotas, the local stack's);
// otherwise a city it does not list has no places at all.
std::optional<Problem> quota_refusal(const std::map<std::string, int>& quotas, const std::string& city, int used);

// The cities whose new quota would fall below the places they already use, each under /quotas/<city>.
std::vector<SchemaProblem> quotas_below_use(const std::map<std::string, int>& quotas,
                                            const std::map<std::string, int>& used);

// Why `ranked` is not exactly the city's `current` recommendations once each, or nothing when it is.
std::optional<Problem> ranking_refusal(const std::vector<std::string>& ranked, const std::vector<std::string>& current);

// The last day of validity, YYYY-MM-DD: the approval's date in China Standard Time plus `years`
// (29 February becomes 28 February in a year that has none).
std::string valid_until(std::chrono::system_clock::time_point approved_at, int years);

}  // namespace sdp::workflow
