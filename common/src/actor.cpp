#include "sdp/actor.hpp"

#include "sdp/names.hpp"

namespace sdp {
namespace {

constexpr Names<Role, 5> kRoles{{{Role::applicant, "applicant"},
                                 {Role::reviewer, "reviewer"},
                                 {Role::admin, "admin"},
                                 {Role::system, "system"},
                                 {Role::expert, "expert"}}};
constexpr Names<Tier, 3> kTiers{{{Tier::county, "county"}, {Tier::city, "city"}, {Tier::province, "province"}}};

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view name(Role r) { return name_in(kRoles, r); }
std::string_view name(Tier t) { return name_in(kTiers, t); }
std::optional<Role> parse_role(std::string_view s) { return parse_in(kRoles, s); }
std::optional<Tier> parse_tier(std::string_view s) { return parse_in(kTiers, s); }

nlohmann::json Actor::to_json() const {
  nlohmann::json j = {{"sub", sub}, {"role", name(role)}};
  if (role == Role::applicant) j["org"] = org;
  if (tier) j["tier"] = name(*tier);
  if (!region.empty()) j["region"] = region;
  return j;
}

std::expected<Actor, std::string> Actor::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::unexpected("actor missing");
  Actor a;
  a.sub = string_at(j, "sub");
  auto role = parse_role(string_at(j, "role"));
  if (!role || a.sub.empty()) return std::unexpected("actor needs sub and a role");
  a.role = *role;
  if (a.role == Role::applicant) {
    a.org = string_at(j, "org");
    if (a.org.empty()) return std::unexpected("an applicant needs its org");
  }
  if (a.role == Role::reviewer) {
    a.tier = parse_tier(string_at(j, "tier"));
    a.region = string_at(j, "region");
    if (!a.tier || a.region.empty()) return std::unexpected("a reviewer needs its tier and region");
  }
  return a;
}

}  // namespace sdp
