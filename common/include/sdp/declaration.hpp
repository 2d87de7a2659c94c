#pragma once
// The words of a declaration every service shares (CONTRACT §3): its programme, its states and
// a reviewer's decisions, as enums with their wire names.

#include <optional>
#include <string_view>

namespace sdp {

// 晨星工厂 (numbers MSF-…) or 产业大脑 (numbers IBR-…).
enum class Kind { morning_star, industry_brain };

enum class State {
  draft,
  county_review,
  city_review,
  province_review,
  publicity,
  approved,
  returned,
  rejected,
  withdrawn
};

enum class Decision { approve, return_, reject };

std::string_view name(Kind k);
std::string_view name(State s);
std::string_view name(Decision d);  // "approve" | "return" | "reject"
std::optional<Kind> parse_kind(std::string_view s);
std::optional<State> parse_state(std::string_view s);
std::optional<Decision> parse_decision(std::string_view s);

// The names people read, as schemas/notify/templates.json uses them: "县级审核", "公示", …
std::string_view zh_name(State s);

}  // namespace sdp
