#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sdp/build_info.hpp"

#include "sdp/scoring/catalog.hpp"

// The catalogues in schemas/catalogs/ checked item by item against the policy text the repository
// carries (schemas/catalogs/sources/000_*.txt), which this test parses itself, so a transcription
// slip cannot pass.

namespace {

namespace fs = std::filesystem;
using sdp::scoring::Criterion;
using sdp::scoring::Dimension;
using sdp::scoring::Indicator;
using sdp::scoring::IndustryBrainCatalog;
using sdp::scoring::MorningStarCatalog;

// The extraction artefacts the sources README lists: names broken by a stray space at a PDF line wrap.
const std::map<std::string, std::string> kBrokenNames = {
    {"供应链管理 平台", "供应链管理平台"},
    {"供应商准入 及评价体系", "供应商准入及评价体系"},
    {"采购风险管 控", "采购风险管控"},
};
constexpr const char* kTwinName = "数字孪生工厂";  // the catalogue's name for the row the PDF left unnamed

struct SeedCriterion {
  int line = 0;
  std::string category, indicator, name, description;
  std::vector<int> levels;
};

struct SeedIndicator {
  int line = 0;
  std::string dimension, id, name, description, unit;  // dimension: its heading without the "一、" numbering
};

struct Seed {
  std::vector<SeedIndicator> indicators;        // 附件 1
  std::vector<SeedCriterion> criteria;          // 附件 2
  std::vector<std::string> corrected;           // the broken names met and mended
  std::vector<std::size_t> named_by_catalogue;  // criteria whose empty name became kTwinName
};

// Runs of ASCII whitespace become one space; leading and trailing whitespace goes.
std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool pending = false;
  for (char c : text) {
    if (std::string_view(" \t\n\r\f\v").find(c) != std::string_view::npos) {
      pending = !out.empty();
      continue;
    }
    if (pending) out += ' ';
    pending = false;
    out += c;
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells(1);
  for (char c : line) {
    if (c == '\t')
      cells.emplace_back();
    else
      cells.back() += c;
  }
  return cells;
}

// "一、 产业发展水平" -> "产业发展水平"
std::string strip_numbering(const std::string& heading) {
  constexpr std::string_view kComma = "、";
  const std::size_t at = heading.find(kComma);
  return collapse_whitespace(at == std::string::npos ? heading : heading.substr(at + kComma.size()));
}

bool is_morning_star_header(const std::vector<std::string>& cells) {
  return cells[0] == "晨星工厂评价维度" || (cells[0] == "分类" && cells[1] == "一级指标");
}

void parse_seed(std::istream& in, Seed& seed) {
  int section = 0, line_no = 0;
  std::string line, dimension, category, indicator;
  while (std::getline(in, line)) {  // the last line may lack its newline; getline still returns it
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string text = collapse_whitespace(line);
    if (text == "附件 1" || text == "附件1") section = 1;
    if (text == "附件 2" || text == "附件2") section = 2;
    const std::vector<std::string> cells = split_tabs(line);
    if (section == 1 && cells.size() >= 2 && cells[1] != "编号") {
      if (cells.size() < 4) {
        ADD_FAILURE() << "seed line " << line_no << ": an indicator row needs at least 4 columns";
        continue;
      }
      if (!collapse_whitespace(cells[0]).empty()) dimension = strip_numbering(cells[0]);
      seed.indicators.push_back(
          {line_no, dimension, cells[1], cells[2], cells[3], cells.size() > 4 ? cells[4] : std::string()});
    } else if (section == 2 && cells.size() >= 4 && !is_morning_star_header(cells)) {
      if (!cells[0].empty()) category = cells[0];  // an empty cell repeats the one above
      if (!cells[1].empty()) indicator = cells[1];
      SeedCriterion item{line_no, category, indicator, cells[2], cells[3], {}};
      for (std::size_t column = 4; column <= 8 && column < cells.size(); ++column)  // columns 4..8: levels 1..5
        if (cells[column].find("★") != std::string::npos) item.levels.push_back(static_cast<int>(column) - 3);
      if (auto broken = kBrokenNames.find(item.name); broken != kBrokenNames.end()) {
        item.name = broken->second;
        seed.corrected.push_back(broken->first);
      } else if (item.name.empty() && item.indicator == "企业数字大脑" && !seed.criteria.empty() &&
                 seed.criteria.back().name == "企业统一数据中心") {
        item.name = kTwinName;
        seed.named_by_catalogue.push_back(seed.criteria.size());
      }
      seed.criteria.push_back(std::move(item));
    }
  }
}

// Fills `seed` from the one 000_*.txt of schemas/catalogs/sources/; a missing seed fails the test.
void read_seed(Seed& seed) {
  const fs::path dir = fs::path(sdp::build_info::kSchemasDir) / "catalogs" / "sources";
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (it->is_regular_file() && file.starts_with("000_") && file.ends_with(".txt")) found.push_back(it->path());
  }
  ASSERT_EQ(found.size(), 1u) << "expected exactly one seed file 000_*.txt in " << dir.string()
                              << (ec ? " (" + ec.message() + ")" : std::string());
  std::cout << "seed: " << found.front().string() << "\n";
  std::ifstream in(found.front(), std::ios::binary);
  ASSERT_TRUE(in.is_open()) << "cannot read " << found.front().string();
  parse_seed(in, seed);
}

std::string catalogue_path(const char* file) { return std::string(sdp::build_info::kSchemasDir) + "/catalogs/" + file; }

std::string dimension_name(const IndustryBrainCatalog& catalog, const std::string& id) {
  for (const Dimension& d : catalog.dimensions)
    if (d.id == id) return d.name;
  return "(no dimension " + id + ")";
}

std::size_t count_starred(const std::vector<SeedCriterion>& criteria, int level) {
  return static_cast<std::size_t>(std::count_if(criteria.begin(), criteria.end(), [level](const SeedCriterion& c) {
    return std::find(c.levels.begin(), c.levels.end(), level) != c.levels.end();
  }));
}

class CatalogueAgainstSeed : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(read_seed(seed_));
    morning_star_ = MorningStarCatalog::from_json(sdp::scoring::read_json_file(catalogue_path("morning_star.json")));
    industry_brain_ =
        IndustryBrainCatalog::from_json(sdp::scoring::read_json_file(catalogue_path("industry_brain.json")));
  }

  Seed seed_;
  MorningStarCatalog morning_star_;
  IndustryBrainCatalog industry_brain_;
};

TEST_F(CatalogueAgainstSeed, MorningStarItemsMatchTheSeed) {
  ASSERT_EQ(seed_.criteria.size(), 72u) << "items parsed from 附件 2 of the seed";
  ASSERT_EQ(morning_star_.criteria.size(), seed_.criteria.size());
  for (std::size_t i = 0; i < seed_.criteria.size(); ++i) {
    const SeedCriterion& want = seed_.criteria[i];
    const Criterion& got = morning_star_.criteria[i];
    SCOPED_TRACE(got.id + " = seed line " + std::to_string(want.line) + " " + want.name);
    EXPECT_EQ(got.id, (i < 9 ? "MS0" : "MS") + std::to_string(i + 1));
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.indicator, want.indicator);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.levels, want.levels);
    EXPECT_EQ(got.description, collapse_whitespace(want.description));
  }
}

TEST_F(CatalogueAgainstSeed, OnlyTheListedArtefactsAreCorrected) {
  std::vector<std::string> listed;
  for (const auto& [broken, _] : kBrokenNames) listed.push_back(broken);
  std::vector<std::string> met = seed_.corrected;
  std::sort(met.begin(), met.end());
  EXPECT_EQ(met, listed) << "each broken name of the sources README occurs exactly once in the seed";
  for (const SeedCriterion& c : seed_.criteria) EXPECT_FALSE(c.name.empty()) << "unnamed row at seed line " << c.line;

  ASSERT_EQ(seed_.named_by_catalogue.size(), 1u) << "one unnamed row under 企业数字大脑 / 企业统一数据中心";
  const std::size_t at = seed_.named_by_catalogue.front();
  ASSERT_LT(at, morning_star_.criteria.size());
  const Criterion& twin = morning_star_.criteria[at];
  const SeedCriterion& want = seed_.criteria[at];
  SCOPED_TRACE(twin.id + " = seed line " + std::to_string(want.line));
  EXPECT_EQ(twin.name, kTwinName);
  EXPECT_EQ(twin.category, want.category);
  EXPECT_EQ(twin.indicator, "企业数字大脑");
  EXPECT_EQ(twin.levels, want.levels);
  EXPECT_EQ(twin.description, collapse_whitespace(want.description));
  EXPECT_EQ(morning_star_.criteria[at - 1].name, "企业统一数据中心");
  EXPECT_NE(morning_star_.criteria[at - 1].id, twin.id);
}

TEST_F(CatalogueAgainstSeed, StarredCountsMatchTheSeed) {
  ASSERT_EQ(morning_star_.levels, (std::vector<int>{1, 2, 3, 4, 5}));
  for (int level : morning_star_.levels) {
    const std::size_t starred = count_starred(seed_.criteria, level);
    std::cout << "level " << level << ": " << starred << " items starred in the seed\n";
    RecordProperty("starred_level_" + std::to_string(level), std::to_string(starred));
    EXPECT_GT(starred, 0u) << "level " << level;
    EXPECT_EQ(morning_star_.starred_for(level).size(), starred) << "level " << level;
  }
}

TEST_F(CatalogueAgainstSeed, UnstarredItemAndRepeatedNameAreDistinctItems) {
  std::vector<const Criterion*> forecast, ar_vr;
  for (const Criterion& c : morning_star_.criteria) {
    if (c.name == "研发时间/成本预测") forecast.push_back(&c);
    if (c.name == "AR/VR 应用") ar_vr.push_back(&c);
  }
  ASSERT_EQ(forecast.size(), 1u);
  EXPECT_TRUE(forecast[0]->levels.empty()) << forecast[0]->id << " is starred for no level in the policy";
  ASSERT_EQ(ar_vr.size(), 2u);
  EXPECT_NE(ar_vr[0]->id, ar_vr[1]->id);
  EXPECT_EQ(ar_vr[0]->indicator, "数字化研发") << ar_vr[0]->id;
  EXPECT_EQ(ar_vr[1]->indicator, "数字化生产") << ar_vr[1]->id;

  std::size_t seed_ar_vr = 0;
  for (const SeedCriterion& c : seed_.criteria) {
    if (c.name == "研发时间/成本预测") {
      EXPECT_TRUE(c.levels.empty()) << "seed line " << c.line;
    }
    if (c.name == "AR/VR 应用") ++seed_ar_vr;
  }
  EXPECT_EQ(seed_ar_vr, 2u);
}

TEST_F(CatalogueAgainstSeed, IndustryBrainIndicatorsMatchTheSeed) {
  ASSERT_EQ(seed_.indicators.size(), 32u) << "indicators parsed from 附件 1 of the seed";
  ASSERT_EQ(industry_brain_.indicators.size(), seed_.indicators.size());
  ASSERT_EQ(industry_brain_.dimensions.size(), 5u);
  for (std::size_t i = 0; i < seed_.indicators.size(); ++i) {
    const SeedIndicator& want = seed_.indicators[i];
    const Indicator& got = industry_brain_.indicators[i];
    SCOPED_TRACE(want.id + " = seed line " + std::to_string(want.line) + " " + want.name);
    EXPECT_EQ(got.id, want.id);
    const std::string dimension = want.id.substr(0, 2);  // L1P10 -> L1
    EXPECT_TRUE(dimension.size() == 2 && dimension[0] == 'L' && dimension[1] >= '1' && dimension[1] <= '5');
    EXPECT_EQ(got.dimension, dimension);
    EXPECT_EQ(dimension_name(industry_brain_, got.dimension), want.dimension);
    EXPECT_EQ(got.name, want.name);
    if (want.unit.empty()) {
      EXPECT_FALSE(got.unit.has_value()) << "unit " << got.unit.value_or("");
      EXPECT_TRUE(got.input == Indicator::Input::grade) << "an indicator without a unit is graded A–D";
    } else {
      EXPECT_EQ(got.unit.value_or("(no unit)"), want.unit);
      EXPECT_TRUE(got.input == Indicator::Input::value) << "an indicator with a unit takes a value";
    }
    EXPECT_EQ(got.description, collapse_whitespace(want.description));
  }
}

TEST(MorningStarCatalogue, StarredCountsAreThePolicys) {
  const auto catalog = MorningStarCatalog::from_json(sdp::scoring::read_json_file(catalogue_path("morning_star.json")));
  const std::map<int, std::size_t> policy = {{1, 13}, {2, 28}, {3, 46}, {4, 57}, {5, 71}};
  for (const auto& [level, count] : policy) EXPECT_EQ(catalog.starred_for(level).size(), count) << "level " << level;
}

}  // namespace
