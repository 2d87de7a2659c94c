// sdp-scoring: levels and scores from versioned, data-driven models.
//
// Run: SDP_DB_PASSWORD=… build/scoring/sdp-scoring   (settings: README, "Configuration";
// deploy/local/up.sh starts it with the local stack). Stops cleanly on SIGTERM.

#include <cstdio>

#include "scoring_service.hpp"

int main() {
  sdp::Runtime::block_stop_signals();
  try {
    sdp::Runtime runtime(sdp::scoring::spec(), sdp::Config::process_environment());
    return runtime.run(sdp::scoring::setup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sdp-scoring: %s\n", e.what());
    return 2;
  }
}
