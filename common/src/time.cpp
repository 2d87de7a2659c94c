#include "sdp/time.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace sdp {

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string db_time(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06d", static_cast<int>(us % 1'000'000));
  return buf;
}

std::optional<std::string> rfc3339_of_db_time(std::string_view db_time) {
  // "YYYY-MM-DD HH:MM:SS" and an optional fraction: anything else is not a time.
  auto digit = [&](size_t i) { return db_time[i] >= '0' && db_time[i] <= '9'; };
  if (db_time.size() < 19 || db_time.size() > 26) return std::nullopt;
  for (size_t i = 0; i < db_time.size(); ++i) {
    const char expected = i == 4 || i == 7 ? '-' : i == 10 ? ' ' : i == 13 || i == 16 ? ':' : i == 19 ? '.' : 0;
    if (expected ? db_time[i] != expected : !digit(i)) return std::nullopt;
  }
  if (db_time.size() == 20) return std::nullopt;  // a point with no fraction after it
  std::string t(db_time.substr(0, 19));
  t[10] = 'T';
  std::string fraction(db_time.size() > 20 ? db_time.substr(20, 3) : std::string_view());
  fraction.resize(3, '0');
  return t + "." + fraction + "Z";
}

nlohmann::json api_time(const std::optional<std::string>& db_time) {
  auto t = db_time ? rfc3339_of_db_time(*db_time) : std::nullopt;
  return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
}

}  // namespace sdp
