#pragma once
// Real servers for integration tests: the private MariaDB that tests/run.sh started (one fresh
// database and least-privilege user per test), nats-server processes started and stopped by pid
// per test, and the service binaries as child processes.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sdp/db.hpp"

namespace sdp::test {

uint16_t free_port();
std::filesystem::path temp_dir(const std::string& prefix);  // a fresh folder under SDP_TEST_TMPDIR or /tmp

// The MariaDB of tests/run.sh, from SDP_TEST_DB_*; fails the test with a clear message without it.
struct MariaDb {
  std::string host;
  int port = 0;
  std::string admin_user, admin_password;
  static const MariaDb& get();
  db::Options admin_options() const;
};

// A database of its own and a user that can reach only it; dropped when the object goes.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& purpose);
  ~TestDatabase();
  const std::string& name() const { return name_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  db::Options options(int pool_size = 4) const;

 private:
  std::string name_, user_, password_;
};

// A child process, stopped by pid.
class Process {
 public:
  Process(std::string program, std::vector<std::string> args, std::map<std::string, std::string> env = {},
          std::filesystem::path log = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  int pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `wait` for the exit; returns the exit status (128+n if signalled).
  std::optional<int> stop(int signal, std::chrono::milliseconds wait = std::chrono::seconds(15));
  std::string log_text() const;

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_;
};

// nats-server with JetStream on a free loopback port; the store survives restart().
class NatsServer {
 public:
  NatsServer();
  ~NatsServer();
  const std::string& url() const { return url_; }
  void stop();
  void start();
  void restart() {
    stop();
    start();
  }

 private:
  std::filesystem::path dir_;
  uint16_t port_;
  std::string url_;
  std::unique_ptr<Process> process_;
};

// One service binary from the build, on a free port, with a database of its own.
struct ServiceUnderTest {
  std::string name;
  uint16_t port;
  TestDatabase db;
  std::unique_ptr<Process> process;

  ServiceUnderTest(const std::string& service, const NatsServer& nats, std::map<std::string, std::string> extra = {});
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Stops the binary (SIGTERM) and starts it again on the same port and database, with `changed`
  // settings over the first ones (workflow with SDP_CLOCK_OFFSET_SECONDS, to move its clock).
  void restart(const std::map<std::string, std::string>& changed = {});

 private:
  std::map<std::string, std::string> env_;
};

// Waits until `check` is true or the time is up; returns the last result.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

// HTTP GET with libcurl; status 0 when nothing answered.
struct HttpResult {
  long status = 0;
  std::string body;
};
HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct HttpReply {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};
// Any HTTP request with libcurl; headers as "Name: value" lines. Every reply is checked against the
// gateway's OpenAPI document (openapi_contract.hpp): one that departs from it fails the running test.
HttpReply http(const std::string& method, const std::string& url, const std::vector<std::string>& headers = {},
               const std::optional<std::string>& body = std::nullopt,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sdp::test
