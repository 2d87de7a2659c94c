#include "sdp/service.hpp"

#include <malloc.h>

#include <condition_variable>
#include <csignal>
#include <ctime>
#include <mutex>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp {

std::vector<Setting> common_settings(const ServiceSpec& spec) {
  return {
      {"SDP_SCHEMAS_DIR", "folder of catalogues, schemas, migrations and the NATS topology", build_info::kSchemasDir,
       check::existing_path()},
      {"SDP_LOG_LEVEL", "debug, info, warn or error", "info", check::one_of({"debug", "info", "warn", "error"})},
      {"SDP_HTTP_ADDRESS", "address the HTTP server listens on", "127.0.0.1", check::ipv4_or_host()},
      {"SDP_HTTP_PORT", "port of the HTTP server (API and /healthz, /readyz, /metrics)",
       std::to_string(spec.default_http_port), check::integer(0, 65535)},
      {"SDP_HTTP_THREADS", "threads serving HTTP", std::to_string(spec.default_http_threads), check::integer(1, 64)},
      {"SDP_HTTP_READ_TIMEOUT_MS", "a whole request must arrive within this", "15000", check::integer(100, 600000)},
      {"SDP_HTTP_IDLE_TIMEOUT_MS", "a kept-alive connection may idle this long", "60000", check::integer(100, 3600000)},
      {"SDP_HTTP_MAX_CONNECTIONS", "open connections at most; beyond, 503", "2048", check::integer(1, 1000000)},
      {"SDP_NATS_URL", "NATS server URL, or a comma-separated list of a cluster's", "nats://127.0.0.1:4222",
       check::url_list({"nats", "tls"})},
      {"SDP_NATS_REPLICAS", "copies of every JetStream stream and consumer (3 on a 3-node cluster)", "1",
       check::integer(1, 5)},
      {"SDP_NATS_TIMEOUT_MS", "JetStream publish and request timeout", "5000", check::integer(10, 120000)},
      {"SDP_NATS_HANDLER_THREADS", "threads answering the service's NATS commands",
       std::to_string(spec.default_handler_threads), check::integer(1, 256)},
      {"SDP_DB_HOST", "MariaDB host", "127.0.0.1", check::ipv4_or_host()},
      {"SDP_DB_PORT", "MariaDB port", "3307", check::integer(1, 65535)},
      {"SDP_DB_NAME", "the service's own database", "sdp_" + spec.name, check::non_empty()},
      {"SDP_DB_USER", "the service's database user", "sdp_" + spec.name, check::non_empty()},
      {"SDP_DB_PASSWORD", "the database user's password (or SDP_DB_PASSWORD_FILE)", std::nullopt, nullptr, true},
      {"SDP_DB_POOL_SIZE", "database connections (cover the command threads and workers)",
       std::to_string(spec.default_db_pool_size), check::integer(1, 256)},
      {"SDP_STARTUP_TIMEOUT_SECONDS", "how long to wait for MariaDB and NATS at start", "60", check::integer(1, 3600)},
      {"SDP_SHUTDOWN_GRACE_SECONDS", "how long in-flight work may take after SIGTERM", "10", check::integer(0, 600)},
      {"SDP_MALLOC_TRIM_SECONDS", "how often freed heap memory is given back to the system; 0: never", "30",
       check::integer(0, 3600)},
  };
}

namespace {
std::vector<Setting> all_settings(const ServiceSpec& spec) {
  auto s = common_settings(spec);
  s.insert(s.end(), spec.settings.begin(), spec.settings.end());
  return s;
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Waits up to `ms` for SIGTERM/SIGINT; true when one arrived.
bool wait_for_stop_signal(int ms) {
  auto set = stop_signals();
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

db::Options db_options(const Config& config) {
  db::Options o;
  o.host = config.str("SDP_DB_HOST");
  o.port = static_cast<int>(config.integer("SDP_DB_PORT"));
  o.user = config.str("SDP_DB_USER");
  o.password = config.str("SDP_DB_PASSWORD");
  o.database = config.str("SDP_DB_NAME");
  o.pool_size = static_cast<int>(config.integer("SDP_DB_POOL_SIZE"));
  return o;
}

nats::Options nats_options(const Config& config, const std::string& service) {
  nats::Options o;
  o.url = config.str("SDP_NATS_URL");
  o.name = "sdp-" + service;
  o.request_timeout = config.millis("SDP_NATS_TIMEOUT_MS");
  o.handler_threads = static_cast<int>(config.integer("SDP_NATS_HANDLER_THREADS"));
  return o;
}
}  // namespace

Runtime::Runtime(ServiceSpec spec, const std::map<std::string, std::string>& env)
    : spec_(std::move(spec)), config_(Config::load(all_settings(spec_), env)) {
  log::init(spec_.name, log::parse_level(config_.str("SDP_LOG_LEVEL")));
  schemas_dir_ = config_.str("SDP_SCHEMAS_DIR");
  topology_ = nats::Topology::from_file(schemas_dir_ / "nats" / "topology.json");
  topology_.set_replicas(static_cast<int>(config_.integer("SDP_NATS_REPLICAS")));
}

Runtime::~Runtime() { shutdown(); }

void Runtime::block_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Runtime::add_readiness_check(std::string name, std::function<bool()> check) {
  checks_.emplace_back(std::move(name), std::move(check));
}

void Runtime::set_http_handler(http::Handler handler) { app_handler_ = std::move(handler); }

void Runtime::set_body_streamer(http::BodyStreamer streamer) { app_streamer_ = std::move(streamer); }

void Runtime::add_worker(std::string name, std::function<void(std::stop_token)> loop) {
  worker_loops_.emplace_back(std::move(name), std::move(loop));
}

void Runtime::add_periodic_worker(std::string name, std::chrono::milliseconds interval, std::function<void()> pass) {
  add_worker(name, [name, interval, pass = std::move(pass)](std::stop_token st) {
    std::mutex m;
    std::condition_variable_any cv;
    while (!st.stop_requested()) {
      try {
        pass();
      } catch (const std::exception& e) {
        log::warn("periodic pass failed", {{"worker", name}, {"error", e.what()}});
      }
      std::unique_lock lock(m);
      cv.wait_for(lock, st, interval, [] { return false; });
    }
  });
}

uint16_t Runtime::http_port() const { return server_ ? server_->port() : 0; }

http::Response Runtime::operations(const http::Request& req) const {
  auto path = req.path();
  if (path == "/healthz") return http::Response::json(200, R"({"status":"ok"})");
  if (path == "/metrics") return http::Response::text(200, metrics::global().render(), "text/plain; version=0.0.4");
  // /readyz: every dependency, by name, so an operator sees which one is missing.
  nlohmann::json checks = nlohmann::json::object();
  // setup() adds its checks before started_ turns true; db_ and nats_ exist before the server.
  bool ok = started_.load();
  checks["started"] = ok;
  if (db_) ok &= (checks["database"] = db_->ping()).get<bool>();
  if (nats_) ok &= (checks["nats"] = nats_->connected()).get<bool>();
  if (started_)
    for (const auto& [name, check] : checks_) ok &= (checks[name] = check()).get<bool>();
  return http::Response::json(ok ? 200 : 503,
                              nlohmann::json{{"status", ok ? "ready" : "not ready"}, {"checks", checks}}.dump());
}

void Runtime::connect_until_ready() {
  auto deadline = std::chrono::steady_clock::now() + config_.seconds("SDP_STARTUP_TIMEOUT_SECONDS");
  bool migrated = false, declared = false;
  for (int attempt = 1;; ++attempt) {
    try {
      if (!migrated) {
        int n = db::migrate(*db_, schemas_dir_ / "sql" / spec_.name);
        log::info("database ready", {{"database", db_->options().database}, {"migrations_applied", n}});
        migrated = true;
      }
      if (!declared) {
        nats_->ensure(topology_);
        log::info("NATS topology declared",
                  {{"streams", topology_.streams.size()}, {"consumers", topology_.consumers.size()}});
        declared = true;
      }
      return;
    } catch (const Error& e) {
      if (!e.transient() && e.source() == ErrorSource::config) throw;
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(e.source(), "gave up waiting for dependencies: " + std::string(e.what()));
      if (attempt == 1 || attempt % 10 == 0) log::warn("waiting for dependencies", {{"error", e.what()}});
      if (wait_for_stop_signal(500) || stop_requested_) throw Error(ErrorSource::io, "stopped while starting");
    }
  }
}

int Runtime::run(const std::function<void(Runtime&)>& setup) {
  log::info("starting", {{"config", config_.describe()}});
  http::ServerOptions so;
  so.address = config_.str("SDP_HTTP_ADDRESS");
  so.port = static_cast<uint16_t>(config_.integer("SDP_HTTP_PORT"));
  so.threads = static_cast<int>(config_.integer("SDP_HTTP_THREADS"));
  so.read_timeout = config_.millis("SDP_HTTP_READ_TIMEOUT_MS");
  so.write_timeout = config_.millis("SDP_HTTP_READ_TIMEOUT_MS");
  so.idle_timeout = config_.millis("SDP_HTTP_IDLE_TIMEOUT_MS");
  so.max_connections = static_cast<size_t>(config_.integer("SDP_HTTP_MAX_CONNECTIONS"));
  // Like the handler, set by setup() before started_ turns true.
  so.streamer = [this](const http::Request& header) {
    return started_ && app_streamer_ ? app_streamer_(header) : http::BodyPlan{};
  };
  // The HTTP threads read db_ and nats_ (/readyz): they are made before the server starts.
  try {
    db_ = std::make_unique<db::Pool>(db_options(config_));
    nats_ = std::make_unique<nats::Connection>(nats_options(config_, spec_.name));
  } catch (const std::exception& e) {
    log::error("start-up failed", {{"error", e.what()}});
    return 1;
  }
  server_ = std::make_unique<http::Server>(so, [this](http::Request&& req, http::Respond respond) {
    auto path = req.path();
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") return respond(operations(req));
    // setup() sets the handler before started_ turns true; until then there is none to read.
    if (started_ && app_handler_) return app_handler_(std::move(req), std::move(respond));
    respond(http::Response::problem(404, "Not found"));
  });
  server_->start();
  log::info("listening", {{"address", so.address}, {"port", server_->port()}});

  try {
    connect_until_ready();
    if (setup) setup(*this);
  } catch (const std::exception& e) {
    log::error("start-up failed", {{"error", e.what()}});
    shutdown();
    return 1;
  }
  // glibc keeps what its per-thread arenas freed for reuse, and gives back only a heap's free top:
  // after a burst, a service stayed at its peak. malloc_trim hands every arena's free pages back.
  if (auto every = config_.seconds("SDP_MALLOC_TRIM_SECONDS"); every.count() > 0)
    add_periodic_worker("malloc-trim", std::chrono::duration_cast<std::chrono::milliseconds>(every),
                        [] { malloc_trim(0); });
  for (auto& [name, loop] : worker_loops_)
    workers_.emplace_back([name, loop](std::stop_token st) {
      try {
        loop(st);
      } catch (const std::exception& e) {
        log::error("worker stopped by an error", {{"worker", name}, {"error", e.what()}});
      }
    });
  // A subscription made in setup() is only sent to NATS; the round trip of a flush makes the server
  // hold it before /readyz says ready, or a caller's first request could find no responder.
  try {
    nats_->flush(std::chrono::seconds(5));
  } catch (const std::exception& e) {
    log::warn("NATS did not confirm the subscriptions before ready", {{"error", e.what()}});
  }
  started_ = true;
  log::info("ready");

  while (!stop_requested_ && !wait_for_stop_signal(200)) {}
  log::info("stopping");
  shutdown();
  log::info("stopped");
  return 0;
}

void Runtime::shutdown() {
  started_ = false;
  auto grace = config_.seconds("SDP_SHUTDOWN_GRACE_SECONDS");
  // Workers finish the message in hand and ack nothing unfinished; then NATS drains, HTTP drains.
  for (auto& w : workers_) w.request_stop();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
  // The loops own the pull consumers: destroying them removes their subscriptions (the durable
  // consumers stay on the server), which the drain below would otherwise wait on for its whole grace.
  worker_loops_.clear();
  if (server_) server_->stop(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  if (nats_) nats_->drain(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  server_.reset();
  nats_.reset();
  db_.reset();
}

}  // namespace sdp
