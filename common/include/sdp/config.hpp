#pragma once
// Declarative, validated configuration from the environment and an optional KEY=VALUE file.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdp {

// One setting: its name, whether it is required, its default and a validator that returns
// an error message (empty when the value is good).
struct Setting {
  std::string name;
  std::string description;
  std::optional<std::string> default_value;
  std::function<std::string(const std::string&)> validate;
  bool secret = false;  // never logged; may also be given as NAME_FILE (a path to read)
};

namespace check {
std::function<std::string(const std::string&)> integer(long min, long max);
std::function<std::string(const std::string&)> one_of(std::vector<std::string> choices);
std::function<std::string(const std::string&)> non_empty();
std::function<std::string(const std::string&)> url(std::vector<std::string> schemes);
// Comma-separated URLs, each as url() wants it (a NATS cluster's servers).
std::function<std::string(const std::string&)> url_list(std::vector<std::string> schemes);
std::function<std::string(const std::string&)> existing_path();
std::function<std::string(const std::string&)> ipv4_or_host();
}  // namespace check

class Config {
 public:
  // Loads every setting of `spec` from `env` (overrides) and the file named by SDP_CONFIG_FILE.
  // Throws sdp::Error naming every bad or missing setting.
  static Config load(const std::vector<Setting>& spec, const std::map<std::string, std::string>& env);
  // The process environment as a map, for load().
  static std::map<std::string, std::string> process_environment();

  const std::string& str(const std::string& name) const;
  long integer(const std::string& name) const;
  std::chrono::milliseconds millis(const std::string& name) const;  // a value in ms
  std::chrono::seconds seconds(const std::string& name) const;      // a value in s
  bool has(const std::string& name) const;

  // Non-secret settings with their values, for the start-up log line.
  std::map<std::string, std::string> describe() const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> secret_;
};

}  // namespace sdp
