// sdp-notify: the inbox, signed webhooks and e-mail for every step.
//
// Run: SDP_DB_PASSWORD=… build/notify/sdp-notify   (settings: README, "Configuration";
// deploy/local/up.sh starts it with the local stack). Stops cleanly on SIGTERM.

#include <cstdio>

#include "notify_service.hpp"

int main() {
  sdp::Runtime::block_stop_signals();
  try {
    sdp::Runtime runtime(sdp::notify::spec(), sdp::Config::process_environment());
    return runtime.run(sdp::notify::setup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sdp-notify: %s\n", e.what());
    return 2;
  }
}
