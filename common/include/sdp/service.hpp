#pragma once
// What every service shares at run time: validated configuration, JSON logs, the MariaDB pool
// with migrations applied, the NATS connection with the topology declared, an HTTP server with
// /healthz, /readyz and /metrics, background workers, and a graceful stop on SIGTERM.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "sdp/config.hpp"
#include "sdp/db.hpp"
#include "sdp/http.hpp"
#include "sdp/nats.hpp"

namespace sdp {

struct ServiceSpec {
  std::string name;  // "gateway", "workflow", "scoring", "notify"
  uint16_t default_http_port = 0;
  int default_http_threads = 1;
  std::vector<Setting> settings;    // the service's own settings, beside the common ones
  int default_handler_threads = 8;  // SDP_NATS_HANDLER_THREADS
  int default_db_pool_size = 16;    // SDP_DB_POOL_SIZE
};

// The settings every service reads (SDP_DB_*, SDP_NATS_URL, SDP_HTTP_*, …), for the README and tests.
std::vector<Setting> common_settings(const ServiceSpec& spec);

class Runtime {
 public:
  // Loads and validates the configuration; throws sdp::Error naming every bad setting.
  Runtime(ServiceSpec spec, const std::map<std::string, std::string>& env);
  ~Runtime();

  // Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later;
  // call first thing in main() so that run() can wait for them.
  static void block_stop_signals();

  const Config& config() const { return config_; }
  const std::string& name() const { return spec_.name; }
  const std::filesystem::path& schemas_dir() const { return schemas_dir_; }
  db::Pool& db() { return *db_; }
  nats::Connection& nats() { return *nats_; }
  const nats::Topology& topology() const { return topology_; }

  // Extra readiness checks beside the database and NATS (the gateway adds "workflow answers").
  void add_readiness_check(std::string name, std::function<bool()> check);
  // Requests not under /healthz, /readyz, /metrics go here (the gateway's API); 404 otherwise.
  void set_http_handler(http::Handler handler);
  // Which requests have their body streamed to a sink instead of read whole (the gateway's uploads).
  void set_body_streamer(http::BodyStreamer streamer);
  // A background loop (a consumer, a relay, a timer), stopped through its stop_token.
  void add_worker(std::string name, std::function<void(std::stop_token)> loop);
  // A worker that runs `pass` every `interval` until stopped; a pass that throws is logged and retried.
  void add_periodic_worker(std::string name, std::chrono::milliseconds interval, std::function<void()> pass);

  // Starts the HTTP server, connects to MariaDB and NATS (retrying until the start-up timeout),
  // applies migrations, declares the topology, calls `setup`, then serves until SIGTERM/SIGINT or
  // request_stop(); then drains and returns the exit code.
  int run(const std::function<void(Runtime&)>& setup);
  void request_stop() { stop_requested_ = true; }
  uint16_t http_port() const;

 private:
  void connect_until_ready();
  http::Response operations(const http::Request& req) const;
  void shutdown();

  ServiceSpec spec_;
  Config config_;
  std::filesystem::path schemas_dir_;
  nats::Topology topology_;
  std::unique_ptr<db::Pool> db_;
  std::unique_ptr<nats::Connection> nats_;
  std::unique_ptr<http::Server> server_;
  http::Handler app_handler_;
  http::BodyStreamer app_streamer_;
  std::vector<std::pair<std::string, std::function<bool()>>> checks_;
  std::vector<std::pair<std::string, std::function<void(std::stop_token)>>> worker_loops_;
  std::vector<std::jthread> workers_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> started_{false};
};

}  // namespace sdp
