#pragma once
// The two indicator catalogues of the policy tables (schemas/catalogs/), loaded and checked.

#include <map>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "sdp/declaration.hpp"
#include "sdp/files.hpp"

namespace sdp::scoring {

// The programme a catalogue, model or score belongs to: the platform's one Kind.
using sdp::Kind;
using sdp::parse_kind;

// 晨星工厂: one item of the 72, with the levels whose column carries ★.
struct Criterion {
  std::string id;
  std::string category;   // 分类
  std::string indicator;  // 一级指标
  std::string name;       // 二级指标
  std::string description;
  std::vector<int> levels;
};

struct MorningStarCatalog {
  std::string version;
  std::vector<int> levels;  // 1..5
  std::vector<Criterion> criteria;
  nlohmann::json document;  // the file as loaded, served by the gateway

  const Criterion* find(std::string_view id) const;
  // The items starred for `level`.
  std::vector<const Criterion*> starred_for(int level) const;
  // Throws sdp::Error (config) naming the first fault.
  static MorningStarCatalog from_json(const nlohmann::json& j);

 private:
  std::map<std::string, size_t, std::less<>> index_;
};

// 产业大脑: one of the 32 indicators.
struct Indicator {
  enum class Input { value, grade };
  std::string id;
  std::string dimension;
  std::string name;
  std::string description;
  std::optional<std::string> unit;
  Input input = Input::value;
  std::map<std::string, std::string> grades;             // A–D and their meaning, for grade inputs
  std::optional<std::pair<double, double>> value_range;  // e.g. L5P5: 1–5
};

struct Dimension {
  std::string id;
  std::string name;
};

struct IndustryBrainCatalog {
  std::string version;
  std::vector<Dimension> dimensions;
  std::vector<Indicator> indicators;
  nlohmann::json document;

  const Indicator* find(std::string_view id) const;
  static IndustryBrainCatalog from_json(const nlohmann::json& j);

 private:
  std::map<std::string, size_t, std::less<>> index_;
};

using sdp::read_json_file;

}  // namespace sdp::scoring
