#pragma once
// Commands over NATS request–reply: serve<C>(…) on the service's side, call<C>(…) on the caller's,
// both through the one codec of sdp/commands.hpp. An infrastructure failure (sdp::Error) or any
// other exception in a handler answers `unavailable`; so does a service that does not answer in time.

#include <chrono>
#include <functional>
#include <string>

#include "sdp/commands.hpp"
#include "sdp/error.hpp"
#include "sdp/nats.hpp"

namespace sdp::cmd {

// Counts one answered command (sdp_commands_total{service, command, outcome}) and its time.
void record_command(std::string_view service, std::string_view verb, std::string_view outcome, double seconds);
// Logs an infrastructure failure and says so in the problem.
Problem failed(std::string_view verb, const Error& e);
// Logs a fault of the handler itself (a bug: a JSON type error, a bad_alloc) and says only that
// nothing was done.
Problem failed(std::string_view verb, const std::exception& e);

// The reply text to one command message: decoded, handled, encoded.
template <class C, class Handler>
std::string answer(std::string_view text, const Handler& handler) {
  const auto start = std::chrono::steady_clock::now();
  Result<typename C::Reply> reply = [&]() -> Result<typename C::Reply> {
    auto command = decode_request<C>(text);
    if (!command) return refuse(std::move(command.error()));
    try {
      return handler(*command);
    } catch (const Error& e) {
      return refuse(failed(C::verb, e));
    } catch (const std::exception& e) {
      return refuse(failed(C::verb, e));
    }
  }();
  record_command(C::service, C::verb, reply ? std::string_view("ok") : name(reply.error().kind),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return encode_reply(reply);
}

// Serves command C in the queue group of its service: instances share the load.
template <class C, class Handler>
void serve(nats::Connection& nats, const nats::Topology& topology, Handler handler) {
  nats.serve(topology.command(std::string(C::service), std::string(C::verb)), std::string(C::service),
             [handler = std::move(handler)](const nats::Message& m) { return answer<C>(m.data, handler); });
}

// Sends a message and returns the reply text; throws sdp::Error when nobody answers in time.
using Send = std::function<std::string(const std::string& subject, const std::string& body)>;

// Nobody answered `service` in time.
Problem no_answer(std::string_view service, std::string_view verb, const Error& e);

template <class C>
Result<typename C::Reply> call(const nats::Topology& topology, const Send& send, const C& command) {
  std::string reply;
  try {
    reply = send(topology.command(std::string(C::service), std::string(C::verb)), encode_request(command));
  } catch (const Error& e) {
    return refuse(no_answer(C::service, C::verb, e));
  }
  return decode_reply<typename C::Reply>(reply, C::service);
}

}  // namespace sdp::cmd
