#pragma once
// Wall-clock time as the platform writes it.

#include <string>

namespace sdp {

// The current UTC time as RFC 3339 with milliseconds, e.g. "2026-11-26T09:30:00.123Z".
std::string now_rfc3339();

}  // namespace sdp
