#pragma once
// The whole platform for end-to-end tests: nats-server, workflow, scoring, notify and the gateway
// (trusting the minter's RSA and EC keys), with an admin's open round of each kind, and HTTP to it.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_env.hpp"
#include "tokens.hpp"

namespace sdp::test {

// The org of the tests' applicant, unless they name another.
inline const std::string kApplicantOrg = "91370102MA3C00000B";

// Settings over the defaults, per service.
struct StackSettings {
  std::map<std::string, std::string> gateway;
};

struct Stack {
  explicit Stack(const StackSettings& extra = {});

  TokenMinter minter;
  NatsServer nats;
  ServiceUnderTest workflow{"workflow", nats};
  ServiceUnderTest scoring{"scoring", nats};
  ServiceUnderTest notify;
  std::unique_ptr<ServiceUnderTest> gateway;
  std::map<std::string, std::string> rounds;  // kind -> the id of the round opened at start

  // A round of `kind` open from a day ago for 30 days, opened by the admin over HTTP.
  nlohmann::json open_round(const std::string& kind);
  std::string url(const std::string& path) const { return gateway->url(path); }
  // `token` empty: no Authorization header.
  HttpReply send(const std::string& method, const std::string& path, const std::string& token,
                 const std::optional<nlohmann::json>& body = std::nullopt, std::vector<std::string> headers = {});
  std::string applicant(const std::string& org = kApplicantOrg) { return minter.token(TokenMinter::applicant(org)); }
  std::string reviewer(const std::string& tier, const std::string& region) {
    return minter.token(TokenMinter::reviewer(tier, region));
  }
};

// The If-Match header of a declaration's current version.
std::string if_match(const nlohmann::json& declaration);

}  // namespace sdp::test
