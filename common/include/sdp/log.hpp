#pragma once
// Structured logging: one JSON object per line on stderr, carrying the current request or event id.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sdp::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Called once by the service at start-up.
void init(std::string service, Level min_level);
Level parse_level(std::string_view name);  // "debug" | "info" | "warn" | "error"

// Sets the correlation id ("request_id" or "event_id") for log lines on this thread while alive.
class Scope {
 public:
  Scope(std::string key, std::string id);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string previous_key_, previous_id_;
};

// The line as it would be written; pure, for tests.
std::string format(Level level, std::string_view service, std::string_view message, const nlohmann::json& fields,
                   std::string_view id_key, std::string_view id, std::string_view timestamp);

void write(Level level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());
inline void debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::debug, m, f); }
inline void info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::info, m, f); }
inline void warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::warn, m, f); }
inline void error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::error, m, f); }

}  // namespace sdp::log
