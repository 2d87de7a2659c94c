// The OpenAPI document lists exactly the routes the gateway serves.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "api.hpp"
#include "sdp/build_info.hpp"

TEST(OpenApi, DocumentsEveryRouteAndNoOther) {
  auto doc = nlohmann::json::parse(std::ifstream(std::string(sdp::build_info::kSchemasDir) + "/api/openapi.json"));
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::string> documented;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, _] : ops.items())
      if (method != "parameters") documented.insert(method + " " + path);
  std::set<std::string> served;
  for (const auto& r : sdp::gateway::Api::routes()) {
    std::string m = r.method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    served.insert(m + " " + r.pattern);
  }
  for (auto ops : {"get /healthz", "get /readyz", "get /metrics"}) served.insert(ops);
  EXPECT_EQ(documented, served);
}
