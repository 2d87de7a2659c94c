#pragma once
// Who acts (CONTRACT §2): the claims of a token the gateway verified, in the one shape every
// service receives them in. A service trusts an Actor from the bus; it never sees the token.

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sdp {

enum class Role { applicant, reviewer, admin, system, expert };
enum class Tier { county, city, province };

std::string_view name(Role r);
std::string_view name(Tier t);
std::optional<Role> parse_role(std::string_view s);
std::optional<Tier> parse_tier(std::string_view s);

// GB/T 2260 code of the whole province: the region of a province reviewer, and of notices
// addressed to the province.
inline constexpr std::string_view kProvinceRegion = "370000";

struct Actor {
  std::string sub;
  Role role = Role::applicant;
  std::string org;           // applicants: 统一社会信用代码
  std::optional<Tier> tier;  // reviewers
  std::string region;        // reviewers: their jurisdiction
  // experts (CONTRACT §8): `sub` is the expert's id in the pool

  // The platform itself (the publicity timer), under `sub`.
  static Actor system(std::string sub) { return Actor{std::move(sub), Role::system, "", std::nullopt, ""}; }

  // {"sub", "role", "org"?, "tier"?, "region"?}: what commands carry and history entries record.
  nlohmann::json to_json() const;
  // The shape only (a role with what it needs); the signature and the claims' values were checked
  // by the gateway, once. The error says what is missing, for logs.
  static std::expected<Actor, std::string> from_json(const nlohmann::json& j);

  bool operator==(const Actor&) const = default;
};

}  // namespace sdp
