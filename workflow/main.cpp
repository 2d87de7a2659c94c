// sdp-workflow: the state machine of each declaration, county → city → province → publicity.
//
// Run: SDP_DB_PASSWORD=… build/workflow/sdp-workflow   (settings: README, "Configuration";
// deploy/local/up.sh starts it with the local stack). Stops cleanly on SIGTERM.

#include <cstdio>

#include "workflow_service.hpp"

int main() {
  sdp::Runtime::block_stop_signals();
  try {
    sdp::Runtime runtime(sdp::workflow::spec(), sdp::Config::process_environment());
    return runtime.run(sdp::workflow::setup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sdp-workflow: %s\n", e.what());
    return 2;
  }
}
