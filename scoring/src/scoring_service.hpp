#pragma once
// The scoring service: levels and scores from versioned, data-driven models.

#include "sdp/service.hpp"

namespace sdp::scoring {

ServiceSpec spec();
// Wires the service's consumers, handlers and workers into the runtime.
void setup(Runtime& runtime);

}  // namespace sdp::scoring
