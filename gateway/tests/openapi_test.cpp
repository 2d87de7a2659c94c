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
    std::string m = r.method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    served.insert(m + " " + r.pattern);
  }
  for (auto ops : {"get /healthz", "get /readyz", "get /metrics"}) served.insert(ops);
  EXPECT_EQ(documented, served);
}

// Each POST and PUT the gateway serves is documented with the body it takes: the members (required
// and allowed) of the JSON Schema the gateway validates it with, or, where it reads none but accepts
// one, an optional body; and no body where it takes none.
TEST(OpenApi, DescribesTheBodyEachRouteTakes) {
  auto doc = nlohmann::json::parse(std::ifstream(std::string(sdp::build_info::kSchemasDir) + "/api/openapi.json"));
  enum class Body { schema, optional, none };
  const std::map<std::string, std::pair<Body, std::string>> bodies = {
      {"POST /v1/declarations", {Body::schema, "declaration.create.schema.json"}},
      {"PUT /v1/declarations/{id}", {Body::schema, "declaration.update.schema.json"}},
      {"POST /v1/declarations/{id}/decisions", {Body::schema, "decision.schema.json"}},
      {"POST /v1/scoring/preview", {Body::schema, "preview.schema.json"}},
      {"PUT /v1/webhook", {Body::schema, "webhook.schema.json"}},
      {"POST /v1/dev/sign-in", {Body::schema, "dev_sign_in.schema.json"}},
      {"POST /v1/declarations/{id}/submit", {Body::optional, ""}},
      {"POST /v1/declarations/{id}/withdraw", {Body::optional, ""}},
      {"POST /v1/notifications/{id}/read", {Body::none, ""}},
  };
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
    const std::string route = std::string(r.method) + " " + r.pattern;
    SCOPED_TRACE(route);
    auto it = bodies.find(route);
    ASSERT_NE(it, bodies.end()) << "a new route: say here which body it takes";
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const auto& op = doc["paths"][r.pattern][method];
    const auto [kind, file] = it->second;
    if (kind == Body::none) {
      EXPECT_FALSE(op.contains("requestBody"));
      continue;
    }
    ASSERT_TRUE(op.contains("requestBody")) << "the body is undescribed";
    const auto& body = op["requestBody"];
    ASSERT_TRUE(body.contains("content") && body["content"].contains("application/json"));
    EXPECT_EQ(body.value("required", false), kind == Body::schema);
    if (kind != Body::schema) continue;
    auto documented = resolve(body["content"]["application/json"]["schema"]);
    auto checked = nlohmann::json::parse(std::ifstream(std::string(sdp::build_info::kSchemasDir) + "/api/" + file));
    EXPECT_EQ(members(documented), members(checked)) << file;
  }
}
