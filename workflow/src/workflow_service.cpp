#include "workflow_service.hpp"

namespace sdp::workflow {

ServiceSpec spec() { return ServiceSpec{"workflow", 8081, 1, {}}; }

void setup(Runtime& runtime) {
  // The gateway's readiness asks this: workflow answers only once its database and NATS are up.
  runtime.nats().serve(runtime.topology().command("workflow", "ping"), "workflow",
                       [&runtime](const nats::Message&) {
                         return runtime.db().ping() ? std::string(R"({"status":200})")
                                                    : std::string(R"({"status":503})");
                       });
}

}  // namespace sdp::workflow
