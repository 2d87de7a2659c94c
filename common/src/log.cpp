#include "sdp/log.hpp"

#include "sdp/time.hpp"

#include <cstdio>
#include <mutex>

namespace sdp::log {
namespace {

std::string g_service = "sdp";
Level g_min = Level::info;
std::mutex g_write;
thread_local std::string t_key;
thread_local std::string t_id;

const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

}  // namespace

void init(std::string service, Level min_level) {
  g_service = std::move(service);
  g_min = min_level;
}

Level parse_level(std::string_view n) {
  if (n == "debug") return Level::debug;
  if (n == "warn") return Level::warn;
  if (n == "error") return Level::error;
  return Level::info;
}

Scope::Scope(std::string key, std::string id) : previous_key_(std::move(t_key)), previous_id_(std::move(t_id)) {
  t_key = std::move(key);
  t_id = std::move(id);
}

Scope::~Scope() {
  t_key = std::move(previous_key_);
  t_id = std::move(previous_id_);
}

std::string format(Level level, std::string_view service, std::string_view message, const nlohmann::json& fields,
                   std::string_view id_key, std::string_view id, std::string_view timestamp) {
  nlohmann::json line = {{"ts", timestamp}, {"level", name(level)}, {"service", service}, {"msg", message}};
  if (!id_key.empty() && !id.empty()) line[std::string(id_key)] = id;
  if (fields.is_object())
    for (const auto& [k, v] : fields.items())
      if (!line.contains(k)) line[k] = v;
  // Replace invalid UTF-8 rather than throw: a log line must never take the service down.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (level < g_min) return;
  auto line = format(level, g_service, message, fields, t_key, t_id, now_rfc3339());
  std::lock_guard lock(g_write);
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
}

}  // namespace sdp::log
