#pragma once
// The programme's data the workflow's unit tests plan with (the scorer and Shandong's regions), loaded once from
// schemas/.

#include <string>

#include "sdp/build_info.hpp"
#include "sdp/regions.hpp"
#include "sdp/scoring/scorer.hpp"

namespace sdp::workflow::fixtures {

inline const scoring::Scorer& scorer() {
  static auto s = scoring::Scorer::load(build_info::kSchemasDir);
  return s;
}

inline const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  return r;
}

}  // namespace sdp::workflow::fixtures
