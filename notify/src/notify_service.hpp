#pragma once
// The notify service: consumes declaration events (durable, at least once in), writes each
// applicant's and reviewer's inbox once, and delivers signed webhooks and e-mail until they land.

#include "sdp/service.hpp"

namespace sdp::notify {

ServiceSpec spec();
void setup(Runtime& runtime);

}  // namespace sdp::notify
