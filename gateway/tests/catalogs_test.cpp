// The catalogue endpoints, as pure request -> response.
#include <gtest/gtest.h>

#include "catalogs.hpp"
#include "sdp/build_info.hpp"
#include "sdp/files.hpp"

using namespace sdp;
using nlohmann::json;

namespace {
const gateway::CatalogDocuments& docs() {
  static auto d =
      gateway::build_catalogs(scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1"),
                              read_json_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json"));
  return d;
}
http::Response get(const std::string& path, http::Headers headers = {}, const std::string& method = "GET") {
  http::Request r;
  r.method = method;
  r.target = path;
  r.headers = std::move(headers);
  return gateway::serve_catalog(docs(), r).value();
}
}  // namespace

TEST(Catalogs, MorningStarHasAllItemsWithTheirLevels) {
  auto r = get("/v1/catalogs/morning-star");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  auto j = json::parse(r.body);
  EXPECT_EQ(j["levels"], json::array({1, 2, 3, 4, 5}));
  ASSERT_EQ(j["criteria"].size(), 72u);
  EXPECT_EQ(j["criteria"][0]["id"], "MS01");
  for (auto key : {"id", "category", "indicator", "name", "description", "levels"})
    EXPECT_TRUE(j["criteria"][0].contains(key)) << key;
}

TEST(Catalogs, IndustryBrainCarriesTheModelsWeightsAndRules) {
  auto j = json::parse(get("/v1/catalogs/industry-brain").body);
  ASSERT_EQ(j["dimensions"].size(), 5u);
  ASSERT_EQ(j["indicators"].size(), 32u);
  double sum = 0;
  for (const auto& d : j["dimensions"]) sum += d["weight"].get<double>();
  EXPECT_DOUBLE_EQ(sum, 100);
  EXPECT_EQ(j["model"]["version"], "2026.1");
  for (const auto& ind : j["indicators"]) {
    EXPECT_TRUE(ind.contains("weight")) << ind["id"];
    auto type = ind["scoring_rule"]["type"];
    EXPECT_EQ(type, ind["input"] == "grade" ? "grade" : "piecewise_linear") << ind["id"];
    if (ind["input"] == "grade") {
      EXPECT_EQ(ind["grades"].size(), 4u) << ind["id"];
    }
  }
}

TEST(Catalogs, ConditionalGetAndMethods) {
  auto first = get("/v1/catalogs/industry-brain");
  auto tag = first.headers["ETag"];
  EXPECT_FALSE(tag.empty());
  EXPECT_EQ(get("/v1/catalogs/industry-brain", {{"If-None-Match", tag}}).status, 304);
  EXPECT_EQ(get("/v1/catalogs/industry-brain", {{"If-None-Match", "\"other\""}}).status, 200);
  auto post = get("/v1/catalogs/morning-star", {}, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["Allow"], "GET, HEAD");
  http::Request other;
  other.method = "GET";
  other.target = "/v1/declarations";
  EXPECT_FALSE(gateway::serve_catalog(docs(), other).has_value());
}

TEST(Catalogs, RegionsAreTheCodesTheGatewayChecksAgainst) {
  auto r = get("/v1/catalogs/regions");
  EXPECT_EQ(r.status, 200);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["province"]["code"], "370000");
  ASSERT_EQ(j["cities"].size(), 16u);
  size_t counties = 0;
  for (const auto& city : j["cities"]) counties += city["counties"].size();
  EXPECT_EQ(counties, 136u);
  EXPECT_EQ(get("/v1/catalogs/regions", {{"If-None-Match", r.headers["ETag"]}}).status, 304);
}
