#include "scoring_service.hpp"

namespace sdp::scoring {

ServiceSpec spec() { return ServiceSpec{"scoring", 8082, 1, {}}; }

void setup(Runtime&) {}

}  // namespace sdp::scoring
