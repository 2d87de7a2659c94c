#include <gtest/gtest.h>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/regions.hpp"

using sdp::RegionCatalog;

namespace {
const RegionCatalog& shandong() {
  static auto c = RegionCatalog::from_file(std::string(sdp::build_info::kSchemasDir) + "/regions/shandong.json");
  return c;
}
}  // namespace

TEST(Regions, ShandongHasSixteenCitiesAndLaiwuIsPartOfJinan) {
  int cities = 0;
  for (int prefix = 3701; prefix <= 3717; ++prefix)
    if (shandong().is_city(std::to_string(prefix) + "00")) ++cities;
  EXPECT_EQ(cities, 16);
  EXPECT_FALSE(shandong().is_city("371200"));         // 莱芜市, merged into 济南 in 2019
  EXPECT_EQ(shandong().city_of("370116"), "370100");  // 莱芜区
  EXPECT_EQ(shandong().city_of("370117"), "370100");  // 钢城区
  EXPECT_EQ(shandong().name_of("370102"), "历下区");
  EXPECT_EQ(shandong().county_count(), 136u);
}

TEST(Regions, JurisdictionByTier) {
  struct Case {
    const char* tier;
    const char* reviewer;
    const char* declaration;
    bool expected;
  } cases[] = {
      {"county", "370102", "370102", true},    {"county", "370102", "370103", false},
      {"city", "370100", "370102", true},      {"city", "370100", "370116", true},
      {"city", "370200", "370102", false},     {"province", "370000", "371702", true},
      {"province", "370000", "110101", false},  // outside Shandong
      {"county", "370100", "370102", false},    // a city code is no county jurisdiction
      {"city", "370102", "370102", false},     {"province", "370100", "370102", false},
      {"county", "370199", "370199", false},  // unknown code
      {"mayor", "370102", "370102", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(shandong().in_jurisdiction(c.tier, c.reviewer, c.declaration), c.expected)
        << c.tier << " " << c.reviewer << " " << c.declaration;
}

TEST(Regions, MalformedCatalogueIsRefused) {
  auto bad = nlohmann::json::parse(R"({"province":{"code":"370000"},"cities":[{"code":"370100","name":"济南市",
    "counties":[{"code":"370202","name":"市南区"}]}]})");
  EXPECT_THROW(RegionCatalog::from_json(bad), sdp::Error);
}
