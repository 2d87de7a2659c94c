#include "stack.hpp"

#include <gtest/gtest.h>

#include "rounds.hpp"

namespace sdp::test {

using nlohmann::json;

Stack::Stack(const StackSettings& extra)
    : notify("notify", nats,
             {{"SDP_NOTIFY_SEAL_KEY", std::string(64, 'c')}, {"SDP_NOTIFY_ALLOW_PRIVATE_URLS", "true"}}) {
  std::map<std::string, std::string> settings{
      {"SDP_JWT_PUBLIC_KEYS", minter.rsa_public_pem().string() + "," + minter.ec_public_pem().string()},
      {"SDP_JWT_ISSUER", "sdp-test"}};
  for (const auto& [k, v] : extra.gateway) settings[k] = v;
  gateway = std::make_unique<ServiceUnderTest>("gateway", nats, settings);
  EXPECT_TRUE(workflow.wait_ready());
  EXPECT_TRUE(scoring.wait_ready());
  EXPECT_TRUE(notify.wait_ready());
  EXPECT_TRUE(gateway->wait_ready()) << gateway->process->log_text();
  for (const char* kind : {"morning_star", "industry_brain"}) rounds[kind] = open_round(kind)["id"];
}

json Stack::open_round(const std::string& kind) {
  auto r = send("POST", "/v1/rounds", minter.token(TokenMinter::admin()), open_round_body(kind));
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

HttpReply Stack::send(const std::string& method, const std::string& path, const std::string& token,
                      const std::optional<json>& body, std::vector<std::string> headers) {
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  if (body) headers.push_back("Content-Type: application/json");
  return http(method, url(path), headers, body ? std::optional<std::string>(body->dump()) : std::nullopt);
}

std::string if_match(const json& declaration) {
  return "If-Match: \"" + std::to_string(declaration["version"].get<int>()) + "\"";
}

}  // namespace sdp::test
