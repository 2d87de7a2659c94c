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
  if (db_time.size() < 19) return std::nullopt;
  std::string t(db_time.substr(0, std::min<size_t>(23, db_time.size())));
  t[10] = 'T';
  if (t.size() == 19) t += ".000";
  return t + "Z";
}

}  // namespace sdp
