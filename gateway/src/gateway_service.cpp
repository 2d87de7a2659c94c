#include "gateway_service.hpp"

#include <chrono>

namespace sdp::gateway {

ServiceSpec spec() { return ServiceSpec{"gateway", 8080, 2, {}}; }

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
}

}  // namespace sdp::gateway
