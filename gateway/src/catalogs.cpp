#include "catalogs.hpp"

#include "sdp/crypto.hpp"

namespace sdp::gateway {
namespace {

nlohmann::json scoring_rule(const scoring::IndicatorModel& m) {
  if (m.normalisation.type == scoring::Normalisation::Type::grade)
    return {{"type", "grade"}, {"points", m.normalisation.grade_points}};
  nlohmann::json bps = nlohmann::json::array();
  for (const auto& [x, f] : m.normalisation.breakpoints) bps.push_back({x, f});
  return {{"type", "piecewise_linear"}, {"breakpoints", bps}};
}

std::string etag(const std::string& body) { return "\"" + crypto::sha256_hex(body).substr(0, 32) + "\""; }

}  // namespace

CatalogDocuments build_catalogs(const scoring::Scorer& scorer, const nlohmann::json& regions) {
  CatalogDocuments d;
  const auto& ms = scorer.morning_star_catalog().document;
  nlohmann::json ms_out = {{"version", ms["version"]},
                           {"title", ms.value("title", "")},
                           {"levels", ms["levels"]},
                           {"criteria", ms["criteria"]},
                           {"model", scorer.morning_star_model().id.to_json()}};
  d.morning_star = ms_out.dump();
  d.morning_star_etag = etag(d.morning_star);

  const auto& ib = scorer.industry_brain_catalog().document;
  const auto& model = scorer.industry_brain_model();
  nlohmann::json dims = nlohmann::json::array();
  for (const auto& dim : ib["dimensions"]) {
    auto out = dim;
    for (const auto& [id, weight] : model.dimension_weights)
      if (id == dim["id"]) out["weight"] = weight;
    dims.push_back(out);
  }
  nlohmann::json indicators = nlohmann::json::array();
  for (const auto& ind : ib["indicators"]) {
    auto out = ind;
    const auto& im = model.indicators.at(ind["id"].get<std::string>());
    out["weight"] = im.weight;
    out["scoring_rule"] = scoring_rule(im);
    // Whether the value must be whole (the model in force counts its unit), so a form can say so before the API does.
    if (ind.value("input", "") == "value")
      out["integer"] = model.takes_integer(*scorer.industry_brain_catalog().find(ind["id"].get<std::string>()));
    indicators.push_back(out);
  }
  nlohmann::json ib_out = {{"version", ib["version"]}, {"title", ib.value("title", "")}, {"dimensions", dims},
                           {"indicators", indicators}, {"model", model.id.to_json()},    {"total", model.total}};
  d.industry_brain = ib_out.dump();
  d.industry_brain_etag = etag(d.industry_brain);
  d.regions = regions.dump();
  d.regions_etag = etag(d.regions);
  return d;
}

std::optional<http::Response> serve_catalog(const CatalogDocuments& docs, const http::Request& request) {
  auto path = request.path();
  const std::string* body = nullptr;
  const std::string* tag = nullptr;
  if (path == "/v1/catalogs/morning-star") {
    body = &docs.morning_star;
    tag = &docs.morning_star_etag;
  } else if (path == "/v1/catalogs/industry-brain") {
    body = &docs.industry_brain;
    tag = &docs.industry_brain_etag;
  } else if (path == "/v1/catalogs/regions") {
    body = &docs.regions;
    tag = &docs.regions_etag;
  } else {
    return std::nullopt;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = http::Response::problem(405, "Method not allowed");
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  http::Response r;
  if (request.header("If-None-Match") == *tag) {
    r.status = 304;
  } else {
    r = http::Response::json(200, request.method == "HEAD" ? std::string() : *body);
  }
  r.headers["ETag"] = *tag;
  r.headers["Cache-Control"] = "public, max-age=300";
  return r;
}

}  // namespace sdp::gateway
