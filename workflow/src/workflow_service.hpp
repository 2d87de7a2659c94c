#pragma once
// The workflow service: the state machine of each declaration, county → city → province → publicity.

#include "sdp/service.hpp"

namespace sdp::workflow {

ServiceSpec spec();
// Wires the service's consumers, handlers and workers into the runtime.
void setup(Runtime& runtime);

}  // namespace sdp::workflow
