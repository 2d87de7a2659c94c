#pragma once
// The workflow service: owner of declarations. Commands and queries over NATS request–reply
// (queue group "workflow", one typed command per verb), the outbox relay and the publicity timer.

#include "sdp/service.hpp"

namespace sdp::workflow {

ServiceSpec spec();
void setup(Runtime& runtime);

}  // namespace sdp::workflow
