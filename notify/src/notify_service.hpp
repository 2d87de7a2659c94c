#pragma once
// The notify service: the inbox, signed webhooks and e-mail for every step.

#include "sdp/service.hpp"

namespace sdp::notify {

ServiceSpec spec();
// Wires the service's consumers, handlers and workers into the runtime.
void setup(Runtime& runtime);

}  // namespace sdp::notify
