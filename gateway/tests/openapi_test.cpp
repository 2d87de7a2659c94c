// The OpenAPI document lists exactly the routes the gateway serves, and the bodies they take.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <tuple>

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
    std::string m(r.method);
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    served.insert(m + " " + std::string(r.pattern));
  }
  for (auto ops : {"get /healthz", "get /readyz", "get /metrics"}) served.insert(ops);
  EXPECT_EQ(documented, served);
}

// Each POST and PUT the gateway serves is documented with the body its route takes: the members
// (required and allowed) of the JSON Schema the gateway validates it with, or, where it reads none
// but accepts one, an optional body; and no body where it takes none.
TEST(OpenApi, DescribesTheBodyEachRouteTakes) {
  auto doc = nlohmann::json::parse(std::ifstream(std::string(sdp::build_info::kSchemasDir) + "/api/openapi.json"));
  enum class Body { schema, optional, none, raw };
  auto resolve = [&](const nlohmann::json& s) {
    return s.contains("$ref") ? doc.at(nlohmann::json::json_pointer(s["$ref"].get<std::string>().substr(1))) : s;
  };
  auto members = [](const nlohmann::json& s) {
    std::set<std::string> required, allowed;
    for (const auto& r : s.value("required", nlohmann::json::array())) required.insert(r.get<std::string>());
    const auto properties = s.value("properties", nlohmann::json::object());
    for (const auto& [name, _] : properties.items()) allowed.insert(name);
    return std::tuple(required, allowed, s.value("additionalProperties", nlohmann::json(true)));
  };
  for (const auto& r : sdp::gateway::Api::routes()) {
    if (std::string(r.method) != "POST" && std::string(r.method) != "PUT") continue;
    const std::string route = std::string(r.method) + " " + std::string(r.pattern);
    SCOPED_TRACE(route);
    const auto kind = r.admit             ? Body::raw
                      : !r.schema.empty() ? Body::schema
                      : r.optional_body   ? Body::optional
                                          : Body::none;
    const std::string file(r.schema);
    std::string method(r.method);
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const auto& op = doc["paths"][std::string(r.pattern)][method];
    if (kind == Body::none) {
      EXPECT_FALSE(op.contains("requestBody"));
      continue;
    }
    ASSERT_TRUE(op.contains("requestBody")) << "the body is undescribed";
    const auto& body = op["requestBody"];
    if (kind == Body::raw) {  // a streamed file: any type, required, never JSON read by the gateway
      EXPECT_TRUE(body.value("required", false));
      EXPECT_TRUE(body["content"].contains("*/*"));
      continue;
    }
    ASSERT_TRUE(body.contains("content") && body["content"].contains("application/json"));
    EXPECT_EQ(body.value("required", false), kind == Body::schema);
    if (kind != Body::schema) continue;
    auto documented = resolve(body["content"]["application/json"]["schema"]);
    auto checked = nlohmann::json::parse(std::ifstream(std::string(sdp::build_info::kSchemasDir) + "/api/" + file));
    EXPECT_EQ(members(documented), members(checked)) << file;
  }
}
