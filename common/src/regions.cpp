#include "sdp/regions.hpp"

#include <fstream>
#include <regex>

#include "sdp/error.hpp"
#include "sdp/files.hpp"

namespace sdp {
namespace {
[[noreturn]] void fault(const std::string& what) { throw Error(ErrorSource::config, "region catalogue: " + what); }
bool six_digits(const std::string& s) { return s.size() == 6 && std::all_of(s.begin(), s.end(), ::isdigit); }
}  // namespace

RegionCatalog RegionCatalog::from_json(const nlohmann::json& j) {
  RegionCatalog c;
  c.province_ = j.at("province").at("code").get<std::string>();
  c.names_[c.province_] = j["province"].value("name", "");
  for (const auto& city : j.at("cities")) {
    auto code = city.at("code").get<std::string>();
    if (!six_digits(code) || !code.ends_with("00") || code.substr(0, 2) != c.province_.substr(0, 2))
      fault("bad city code " + code);
    if (c.names_.contains(code)) fault("code " + code + " appears twice");
    c.names_[code] = city.at("name").get<std::string>();
    for (const auto& county : city.at("counties")) {
      auto cc = county.at("code").get<std::string>();
      if (!six_digits(cc) || cc.ends_with("00") || cc.substr(0, 4) != code.substr(0, 4))
        fault("county " + cc + " does not belong to city " + code);
      if (c.names_.contains(cc)) fault("code " + cc + " appears twice");
      c.names_[cc] = county.at("name").get<std::string>();
      c.county_city_[cc] = code;
    }
  }
  if (c.county_city_.empty()) fault("no counties");
  return c;
}

RegionCatalog RegionCatalog::from_file(const std::string& path) {
  auto document = read_json_file(path);
  try {
    return from_json(document);
  } catch (const nlohmann::json::exception& e) {
    fault("'" + path + "': " + e.what());
  }
}

bool RegionCatalog::is_county(std::string_view code) const { return county_city_.contains(code); }

bool RegionCatalog::is_city(std::string_view code) const {
  return code != province_ && names_.contains(code) && !county_city_.contains(code);
}

std::optional<std::string> RegionCatalog::city_of(std::string_view county) const {
  auto it = county_city_.find(county);
  if (it == county_city_.end()) return std::nullopt;
  return it->second;
}

std::string RegionCatalog::name_of(std::string_view code) const {
  auto it = names_.find(code);
  return it == names_.end() ? std::string() : it->second;
}

bool RegionCatalog::valid_for_tier(std::string_view tier, std::string_view region) const {
  if (tier == "county") return is_county(region);
  if (tier == "city") return is_city(region);
  if (tier == "province") return is_province(region);
  return false;
}

bool RegionCatalog::in_jurisdiction(std::string_view tier, std::string_view reviewer_region,
                                    std::string_view declaration_region) const {
  if (!valid_for_tier(tier, reviewer_region) || !is_county(declaration_region)) return false;
  if (tier == "province") return true;
  if (tier == "city") return city_of(declaration_region) == std::string(reviewer_region);
  return reviewer_region == declaration_region;
}

}  // namespace sdp
