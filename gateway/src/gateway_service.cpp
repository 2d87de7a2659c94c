#include "gateway_service.hpp"

#include <chrono>

#include "catalogs.hpp"

namespace sdp::gateway {

ServiceSpec spec() {
  return ServiceSpec{"gateway", 8080, 2,
                     {{"SDP_SCORING_MORNING_STAR_MODEL", "晨星工厂 model version served with the catalogue", "2026.1",
                       check::non_empty()},
                      {"SDP_SCORING_INDUSTRY_BRAIN_MODEL", "产业大脑 model version whose weights the catalogue shows",
                       "2026.1", check::non_empty()}}};
}

void setup(Runtime& runtime) {
  // CONTRACT §3: the gateway is ready when its database, NATS and workflow answer.
  runtime.add_readiness_check("workflow", [&runtime] {
    try {
      auto reply = runtime.nats().request(runtime.topology().command("workflow", "ping"), "{}",
                                          std::chrono::milliseconds(1000));
      return nlohmann::json::parse(reply, nullptr, false).value("status", 0) == 200;
    } catch (const std::exception&) {
      return false;
    }
  });

  auto scorer = scoring::Scorer::load(runtime.schemas_dir(), runtime.config().str("SDP_SCORING_MORNING_STAR_MODEL"),
                                      runtime.config().str("SDP_SCORING_INDUSTRY_BRAIN_MODEL"));
  auto catalogs = std::make_shared<const CatalogDocuments>(build_catalogs(scorer));
  runtime.set_http_handler(http::synchronous([catalogs](const http::Request& request) {
    if (auto r = serve_catalog(*catalogs, request)) return *r;
    return http::Response::problem(404, "Not found");
  }));
}

}  // namespace sdp::gateway
