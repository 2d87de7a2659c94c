// A malformed model refuses to load, with a message naming the fault.
#include <gtest/gtest.h>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/scoring/model.hpp"

using namespace sdp::scoring;
using nlohmann::json;

namespace {
std::string schemas(const std::string& rest) { return std::string(sdp::build_info::kSchemasDir) + "/" + rest; }
const IndustryBrainCatalog& ib() {
  static auto c = IndustryBrainCatalog::from_json(read_json_file(schemas("catalogs/industry_brain.json")));
  return c;
}
const MorningStarCatalog& ms() {
  static auto c = MorningStarCatalog::from_json(read_json_file(schemas("catalogs/morning_star.json")));
  return c;
}
json ib_model() { return read_json_file(schemas("models/industry_brain/2026.1.json")); }

json& indicator(json& model, const std::string& id) {
  for (auto& i : model["indicators"])
    if (i["id"] == id) return i;
  throw std::runtime_error("no " + id);
}

std::string load_error(const json& model) {
  try {
    IndustryBrainModel::from_json(model, ib());
  } catch (const sdp::Error& e) {
    return e.what();
  }
  return "(loaded)";
}
}  // namespace

TEST(IndustryBrainModelLoad, TheShippedModelLoads) { EXPECT_EQ(load_error(ib_model()), "(loaded)"); }

TEST(IndustryBrainModelLoad, FaultsAreNamed) {
  struct Case {
    const char* name;
    std::function<void(json&)> mutate;
    const char* message;
  };
  std::vector<Case> cases = {
      {"dimension weights off", [](json& m) { m["dimensions"][0]["weight"] = 26; }, "dimension weights sum to"},
      {"indicator weights off", [](json& m) { indicator(m, "L1P1")["weight"] = 5; }, "indicators of L1 weigh"},
      {"negative weight", [](json& m) { indicator(m, "L1P2")["weight"] = -1; }, "L1P2 needs a weight >= 0"},
      {"indicator missing", [](json& m) { m["indicators"].erase(0); }, "indicator L1P1 has no weight"},
      {"unknown indicator", [](json& m) { indicator(m, "L1P1")["id"] = "L1P99"; }, "L1P99 is not in the catalogue"},
      {"breakpoints not increasing",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"]["breakpoints"] = {{0, 0}, {50, 0.5}, {40, 1.0}};
       },
       "breakpoint values must increase"},
      {"fractions decreasing",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"]["breakpoints"] = {{0, 0}, {50, 0.8}, {100, 0.6}, {200, 1.0}};
       },
       "fractions must not decrease"},
      {"last fraction not 1",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"]["breakpoints"] = {{0, 0}, {50, 0.9}};
       },
       "last breakpoint's fraction must be 1"},
      {"first breakpoint not at 0",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"]["breakpoints"] = {{5, 0}, {50, 1}};
       },
       "first breakpoint must be [0, 0]"},
      {"value 0 scoring points",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"]["breakpoints"] = {{0, 0.2}, {50, 1}};
       },
       "first breakpoint must be [0, 0]"},
      {"linear curve on a graded indicator",
       [](json& m) {
         indicator(m, "L1P3")["normalisation"] = {{"type", "piecewise_linear"}, {"breakpoints", {{0, 0}, {1, 1}}}};
       },
       "L1P3 is graded"},
      {"grades on a value indicator",
       [](json& m) {
         indicator(m, "L1P1")["normalisation"] = {{"type", "grade"},
                                                  {"points", {{"A", 1}, {"B", 1}, {"C", 1}, {"D", 0}}}};
       },
       "L1P1 takes a value"},
      {"grade points rising", [](json& m) { indicator(m, "L1P3")["normalisation"]["points"]["D"] = 0.9; },
       "must not rise from A to D"},
      {"wrong catalogue version", [](json& m) { m["catalog_version"] = "2025.1"; }, "'catalog_version' is '2025.1'"},
      {"wrong model name", [](json& m) { m["model"] = "morning_star"; }, "'model' must be industry_brain"},
  };
  for (const auto& c : cases) {
    auto m = ib_model();
    c.mutate(m);
    auto msg = load_error(m);
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.name << ": " << msg;
  }
}

TEST(MorningStarModelLoad, UnknownRuleIsRefused) {
  auto m = read_json_file(schemas("models/morning_star/2026.1.json"));
  EXPECT_NO_THROW(MorningStarModel::from_json(m, ms()));
  m["rule"] = "majority";
  try {
    MorningStarModel::from_json(m, ms());
    FAIL();
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown rule 'majority'"), std::string::npos);
  }
}

TEST(CatalogueLoad, FaultsAreNamed) {
  auto c = read_json_file(schemas("catalogs/morning_star.json"));
  c["criteria"][1]["id"] = "MS01";
  EXPECT_THROW(MorningStarCatalog::from_json(c), sdp::Error);
  auto d = read_json_file(schemas("catalogs/morning_star.json"));
  d["criteria"][0]["levels"] = {3, 1};
  EXPECT_THROW(MorningStarCatalog::from_json(d), sdp::Error);
  auto e = read_json_file(schemas("catalogs/industry_brain.json"));
  e["indicators"][2].erase("grades");
  EXPECT_THROW(IndustryBrainCatalog::from_json(e), sdp::Error);
}
