#pragma once
// Wall-clock time as the platform writes it.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sdp {

// The current UTC time as RFC 3339 with milliseconds, e.g. "2026-11-26T09:30:00.123Z".
std::string now_rfc3339();

// A UTC time as MariaDB's DATETIME(6) text, e.g. "2026-11-26 09:30:00.123456".
std::string db_time(std::chrono::system_clock::time_point t);

// DATETIME(6) text as RFC 3339 with milliseconds: "2026-11-26 08:00:00.123456" -> "2026-11-26T08:00:00.123Z";
// nothing when it is not such a time.
std::optional<std::string> rfc3339_of_db_time(std::string_view db_time);

// A time as the API answers it: RFC 3339 from DATETIME(6) text, null when there is none. The one
// codec every service's replies use.
nlohmann::json api_time(const std::optional<std::string>& db_time);

}  // namespace sdp
