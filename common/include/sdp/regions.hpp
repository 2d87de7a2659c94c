#pragma once
// Shandong's administrative divisions (GB/T 2260, schemas/regions/shandong.json) and the
// jurisdiction rule of CONTRACT §2: a county reviewer acts on its county, a city reviewer on the
// counties of its city, the province on all.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sdp {

class RegionCatalog {
 public:
  static RegionCatalog from_json(const nlohmann::json& j);  // throws sdp::Error naming the fault
  static RegionCatalog from_file(const std::string& path);

  bool is_county(std::string_view code) const;  // a county-level division of Shandong
  bool is_city(std::string_view code) const;    // 37XX00
  bool is_province(std::string_view code) const { return code == province_; }
  // The city a county lies in, e.g. "370116" (莱芜区) -> "370100" (济南市).
  std::optional<std::string> city_of(std::string_view county) const;
  std::string name_of(std::string_view code) const;  // "" when unknown

  // Whether a reviewer of `tier` ("county", "city", "province") for `reviewer_region` may act on
  // a declaration of county `declaration_region`.
  bool in_jurisdiction(std::string_view tier, std::string_view reviewer_region,
                       std::string_view declaration_region) const;
  // Whether `region` is a valid jurisdiction for a reviewer of `tier`.
  bool valid_for_tier(std::string_view tier, std::string_view region) const;

  size_t county_count() const { return county_city_.size(); }

 private:
  std::string province_;
  std::map<std::string, std::string, std::less<>> names_;
  std::map<std::string, std::string, std::less<>> county_city_;
};

}  // namespace sdp
