#include "sdp/config.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sdp/error.hpp"
#include "sdp/files.hpp"

extern char** environ;

namespace sdp {
namespace check {

std::function<std::string(const std::string&)> integer(long min, long max) {
  return [min, max](const std::string& v) -> std::string {
    long n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size()) return "must be a whole number, got '" + v + "'";
    if (n < min || n > max)
      return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + v;
    return {};
  };
}

std::function<std::string(const std::string&)> one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const std::string& v) -> std::string {
    for (const auto& c : choices)
      if (c == v) return {};
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    return "must be one of " + list + ", got '" + v + "'";
  };
}

std::function<std::string(const std::string&)> non_empty() {
  return [](const std::string& v) -> std::string { return v.empty() ? "must not be empty" : ""; };
}

std::function<std::string(const std::string&)> url(std::vector<std::string> schemes) {
  return [schemes = std::move(schemes)](const std::string& v) -> std::string {
    for (const auto& s : schemes)
      if (v.starts_with(s + "://") && v.size() > s.size() + 3) return {};
    return "must be a URL starting with " + schemes.front() + "://, got '" + v + "'";
  };
}

std::function<std::string(const std::string&)> url_list(std::vector<std::string> schemes) {
  return [one = url(std::move(schemes))](const std::string& v) -> std::string {
    std::string::size_type start = 0;
    for (;;) {
      auto comma = v.find(',', start);
      if (auto why = one(v.substr(start, comma - start)); !why.empty()) return why;
      if (comma == std::string::npos) return {};
      start = comma + 1;
    }
  };
}

std::function<std::string(const std::string&)> existing_path() {
  return [](const std::string& v) -> std::string {
    return std::filesystem::exists(v) ? "" : "names a path that does not exist: '" + v + "'";
  };
}

std::function<std::string(const std::string&)> ipv4_or_host() {
  return [](const std::string& v) -> std::string {
    if (v.empty()) return "must not be empty";
    for (char c : v)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'))
        return "must be an address or host name, got '" + v + "'";
    return {};
  };
}

}  // namespace check

namespace {

std::string trim(std::string s) {
  const auto* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// KEY=VALUE lines; '#' starts a comment line; values may be wrapped in double quotes.
std::map<std::string, std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorSource::config, "SDP_CONFIG_FILE: cannot read '" + path + "'");
  std::map<std::string, std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      throw Error(ErrorSource::config,
                  "SDP_CONFIG_FILE: line " + std::to_string(number) + " of '" + path + "' is not KEY=VALUE");
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out[trim(line.substr(0, eq))] = value;
  }
  return out;
}

std::string read_secret_file(const std::string& name, const std::string& path) {
  try {
    return trim(read_text_file(path));
  } catch (const Error& e) {
    throw Error(ErrorSource::config, name + "_FILE: " + e.what());
  }
}

}  // namespace

std::map<std::string, std::string> Config::process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Config Config::load(const std::vector<Setting>& spec, const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> source;
  if (auto f = env.find("SDP_CONFIG_FILE"); f != env.end() && !f->second.empty()) source = read_config_file(f->second);
  for (const auto& [k, v] : env) source[k] = v;  // the environment wins over the file

  Config cfg;
  std::vector<std::string> problems;
  for (const auto& s : spec) {
    std::optional<std::string> value;
    if (auto it = source.find(s.name); it != source.end()) {
      value = it->second;
    } else if (auto file = source.find(s.name + "_FILE"); s.secret && file != source.end()) {
      try {
        value = read_secret_file(s.name, file->second);
      } catch (const Error& e) {
        problems.emplace_back(e.what());
        continue;
      }
    } else {
      value = s.default_value;
    }
    if (!value) {
      problems.push_back(s.name + " is required (" + s.description + ")");
      continue;
    }
    if (s.validate) {
      if (auto why = s.validate(*value); !why.empty()) {
        problems.push_back(s.name + " " + why);
        continue;
      }
    }
    cfg.values_[s.name] = *value;
    cfg.secret_[s.name] = s.secret;
  }
  if (!problems.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& p : problems) msg += "\n  - " + p;
    throw Error(ErrorSource::config, msg);
  }
  return cfg;
}

const std::string& Config::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error(ErrorSource::config, "setting " + name + " was not declared");
  return it->second;
}

long Config::integer(const std::string& name) const {
  const auto& v = str(name);
  long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || ptr != v.data() + v.size())
    throw Error(ErrorSource::config, name + " must be a whole number, got '" + v + "'");
  return n;
}

std::chrono::milliseconds Config::millis(const std::string& name) const {
  return std::chrono::milliseconds(integer(name));
}
std::chrono::seconds Config::seconds(const std::string& name) const { return std::chrono::seconds(integer(name)); }
bool Config::has(const std::string& name) const { return values_.contains(name); }

std::map<std::string, std::string> Config::describe() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : values_) out[k] = secret_.at(k) ? "***" : v;
  return out;
}

}  // namespace sdp
