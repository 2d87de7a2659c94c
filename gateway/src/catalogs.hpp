#pragma once
// GET /v1/catalogs/morning-star and /v1/catalogs/industry-brain (CONTRACT §3), built once from
// the same files the scoring service loads: the catalogue, and for 产业大脑 the weights and
// normalisation of the model in force. GET /v1/catalogs/regions serves the region catalogue the
// gateway checks codes against, so that forms offer only codes it accepts.

#include <optional>
#include <string>

#include "sdp/http.hpp"
#include "sdp/scoring/scorer.hpp"

namespace sdp::gateway {

struct CatalogDocuments {
  std::string morning_star, morning_star_etag;
  std::string industry_brain, industry_brain_etag;
  std::string regions, regions_etag;
};

// Pure: the three response bodies; `regions` is schemas/regions/shandong.json.
CatalogDocuments build_catalogs(const scoring::Scorer& scorer, const nlohmann::json& regions);

// The response for a catalogue route, or nothing when the path is not one of them.
std::optional<http::Response> serve_catalog(const CatalogDocuments& docs, const http::Request& request);

}  // namespace sdp::gateway
