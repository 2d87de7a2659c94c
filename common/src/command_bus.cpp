#include "sdp/command_bus.hpp"

#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp::cmd {

void record_command(std::string_view service, std::string_view verb, std::string_view outcome, double seconds) {
  const std::string s(service), v(verb);
  metrics::global().inc("sdp_commands_total", {{"service", s}, {"command", v}, {"outcome", std::string(outcome)}});
  metrics::global().observe("sdp_command_seconds", {{"service", s}, {"command", v}}, seconds);
}

Problem failed(std::string_view verb, const Error& e) {
  log::error("command failed", {{"command", std::string(verb)}, {"error", e.what()}});
  return Problem::unavailable({"a dependency is unavailable; nothing was done", "所依赖的组件暂不可用，未做任何更改"});
}

Problem failed(std::string_view verb, const std::exception& e) {
  log::error("command handler failed", {{"command", std::string(verb)}, {"error", e.what()}});
  return Problem::unavailable({"an internal error stopped the command; nothing was done", "内部错误，未做任何更改"});
}

Problem no_answer(std::string_view service, std::string_view verb, const Error& e) {
  const std::string s(service);
  log::warn("dependency did not answer", {{"service", s}, {"command", std::string(verb)}, {"error", e.what()}});
  return Problem::unavailable(
      {s + " did not answer in time; nothing was done", "服务 " + s + " 未能及时应答，未做任何更改"});
}

}  // namespace sdp::cmd
