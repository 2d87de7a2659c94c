#pragma once
// The actors the in-process and service tests act as (the claims the test tokens carry, read as
// the gateway reads them), and how a command's result reads in an assertion.

#include <optional>
#include <string>

#include "sdp/actor.hpp"
#include "sdp/problem.hpp"
#include "tokens.hpp"

namespace sdp::test::actors {

inline const std::string kOrg = "91370102MA3C00000B";
inline const std::string kOtherOrg = "91350100M000100Y43";

inline Actor actor_of(const nlohmann::json& claims) { return *Actor::from_json(claims); }
inline Actor applicant(const std::string& org = kOrg) { return actor_of(TokenMinter::applicant(org)); }
inline Actor reviewer(const std::string& tier, const std::string& region) {
  return actor_of(TokenMinter::reviewer(tier, region));
}
inline Actor admin() { return actor_of(TokenMinter::admin()); }

// The kind of a refusal, none for a success.
template <class R>
std::optional<ProblemKind> refusal(const Result<R>& r) {
  return r ? std::nullopt : std::optional<ProblemKind>(r.error().kind);
}
// Why a command was refused, for a failure's message; "" when it was answered.
template <class R>
std::string why(const Result<R>& r) {
  return r ? std::string() : r.error().title.en + " " + r.error().detail.en;
}

}  // namespace sdp::test::actors
