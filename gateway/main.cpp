// sdp-gateway: HTTP intake and queries for enterprises and reviewers.
//
// Run: SDP_DB_PASSWORD=… build/gateway/sdp-gateway   (settings: README, "Configuration";
// deploy/local/up.sh starts it with the local stack). Stops cleanly on SIGTERM.

#include <cstdio>

#include "gateway_service.hpp"

int main() {
  sdp::Runtime::block_stop_signals();
  try {
    sdp::Runtime runtime(sdp::gateway::spec(), sdp::Config::process_environment());
    return runtime.run(sdp::gateway::setup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sdp-gateway: %s\n", e.what());
    return 2;
  }
}
