#include "notify_service.hpp"

namespace sdp::notify {

ServiceSpec spec() { return ServiceSpec{"notify", 8083, 1, {}}; }

void setup(Runtime&) {}

}  // namespace sdp::notify
