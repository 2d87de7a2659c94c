#pragma once
// The gateway service: HTTP intake and queries for enterprises and reviewers.

#include "sdp/service.hpp"

namespace sdp::gateway {

ServiceSpec spec();
// Wires the service's consumers, handlers and workers into the runtime.
void setup(Runtime& runtime);

}  // namespace sdp::gateway
