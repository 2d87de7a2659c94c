#include "test_env.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "openapi_contract.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"

namespace sdp::test {

// A loopback port nothing listens on, below the ephemeral range (as deploy/local/lib.sh picks them):
// a port from bind(0) could be given again to the next bind(0), or to an outgoing connection, before
// its service binds it, and another service would answer in its place. A port handed out once in
// this process is never handed out again.
namespace {
sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}
}  // namespace

uint16_t free_port() {
  static std::mutex mutex;
  static std::set<uint16_t> given;
  static std::mt19937 random(std::random_device{}());
  std::lock_guard lock(mutex);
  int low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> low;
  std::uniform_int_distribution<int> pick(10000, std::max(10001, low - 1));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto port = static_cast<uint16_t>(pick(random));
    if (given.contains(port)) continue;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    auto addr = loopback(port);
    bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) {
      given.insert(port);
      return port;
    }
  }
  throw std::runtime_error("no free loopback port below the ephemeral range");
}

std::filesystem::path temp_dir(const std::string& prefix) {
  const char* base = std::getenv("SDP_TEST_TMPDIR");
  auto dir = std::filesystem::path(base ? base : "/tmp") / (prefix + "-" + crypto::uuid_v7().substr(24));
  std::filesystem::create_directories(dir);
  return dir;
}

const MariaDb& MariaDb::get() {
  static const MariaDb db = [] {
    MariaDb m;
    auto env = [](const char* name) -> std::string {
      const char* v = std::getenv(name);
      if (!v) {
        ADD_FAILURE() << name << " is not set: integration tests need the MariaDB that tests/run.sh starts";
        return {};
      }
      return v;
    };
    m.host = env("SDP_TEST_DB_HOST");
    auto port = env("SDP_TEST_DB_PORT");
    m.port = port.empty() ? 0 : std::stoi(port);
    m.admin_user = env("SDP_TEST_DB_ADMIN_USER");
    m.admin_password = env("SDP_TEST_DB_ADMIN_PASSWORD");
    return m;
  }();
  return db;
}

db::Options MariaDb::admin_options() const {
  db::Options o;
  o.host = host;
  o.port = port;
  o.user = admin_user;
  o.password = admin_password;
  o.database = "mysql";
  o.pool_size = 1;
  return o;
}

TestDatabase::TestDatabase(const std::string& purpose) {
  auto suffix = crypto::uuid_v7().substr(24);  // the random tail
  name_ = "t_" + purpose + "_" + suffix;
  user_ = "u_" + suffix;
  password_ = crypto::sha256_hex(crypto::uuid_v7()).substr(0, 24);
  db::Pool admin(MariaDb::get().admin_options());
  auto c = admin.acquire();
  // Names are made here from hex and a fixed purpose, never from input; DDL takes no placeholders.
  c->execute_ddl("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
  c->execute_ddl("CREATE USER '" + user_ + "'@'127.0.0.1' IDENTIFIED BY '" + password_ + "'");
  c->execute_ddl("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES ON `" +
                 name_ + "`.* TO '" + user_ + "'@'127.0.0.1'");
}

TestDatabase::~TestDatabase() {
  try {
    db::Pool admin(MariaDb::get().admin_options());
    auto c = admin.acquire();
    c->execute_ddl("DROP DATABASE IF EXISTS `" + name_ + "`");
    c->execute_ddl("DROP USER IF EXISTS '" + user_ + "'@'127.0.0.1'");
  } catch (...) {}
}

db::Options TestDatabase::options(int pool_size) const {
  auto o = MariaDb::get().admin_options();
  o.user = user_;
  o.password = password_;
  o.database = name_;
  o.pool_size = pool_size;
  return o;
}

Process::Process(std::string program, std::vector<std::string> args, std::map<std::string, std::string> env,
                 std::filesystem::path log)
    : log_(std::move(log)) {
  if (log_.empty()) log_ = temp_dir("proc") / "output.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv{program.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(program.c_str(), argv.data());
    std::_Exit(127);
  }
}

Process::~Process() {
  if (running()) stop(SIGKILL, std::chrono::seconds(5));
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

std::optional<int> Process::stop(int signal, std::chrono::milliseconds wait) {
  if (!running()) return status_;
  ::kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string Process::log_text() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

NatsServer::NatsServer() : dir_(temp_dir("nats")), port_(free_port()) {
  url_ = "nats://127.0.0.1:" + std::to_string(port_);
  start();
}

NatsServer::~NatsServer() { stop(); }

void NatsServer::start() {
  process_ = std::make_unique<Process>(
      "nats-server",
      std::vector<std::string>{"-a", "127.0.0.1", "-p", std::to_string(port_), "-js", "-sd", (dir_ / "js").string()},
      std::map<std::string, std::string>{}, dir_ / "nats-server.log");
  bool up = eventually([&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    auto addr = loopback(port_);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  });
  if (!up) ADD_FAILURE() << "nats-server did not start: " << process_->log_text();
}

void NatsServer::stop() {
  if (process_) process_->stop(SIGTERM);
  process_.reset();
}

ServiceUnderTest::ServiceUnderTest(const std::string& service, const NatsServer& nats,
                                   std::map<std::string, std::string> extra)
    : name(service), port(free_port()), db(service) {
  std::map<std::string, std::string> env = {
      {"SDP_HTTP_PORT", std::to_string(port)},
      {"SDP_DB_HOST", MariaDb::get().host},
      {"SDP_DB_PORT", std::to_string(MariaDb::get().port)},
      {"SDP_DB_NAME", db.name()},
      {"SDP_DB_USER", db.user()},
      {"SDP_DB_PASSWORD", db.password()},
      {"SDP_NATS_URL", nats.url()},
      {"SDP_SCHEMAS_DIR", build_info::kSchemasDir},
      {"SDP_STARTUP_TIMEOUT_SECONDS", "20"},
  };
  // The gateway keeps evidence files' bytes: in a folder of the test's own unless it names one.
  if (service == "gateway") env["SDP_FILES_DIR"] = temp_dir("gateway-files").string();
  for (auto& [k, v] : extra) env[k] = v;
  env_ = env;
  auto binary = std::string(build_info::kBinaryDir) + "/" + service + "/sdp-" + service;
  process = std::make_unique<Process>(binary, std::vector<std::string>{}, env);
}

void ServiceUnderTest::restart(const std::map<std::string, std::string>& changed) {
  if (!process->stop(SIGTERM)) ADD_FAILURE() << name << " did not stop on SIGTERM";
  for (const auto& [k, v] : changed) env_[k] = v;
  auto binary = std::string(build_info::kBinaryDir) + "/" + name + "/sdp-" + name;
  process = std::make_unique<Process>(binary, std::vector<std::string>{}, env_);
}

// Ready is this process answering: one that has exited is never ready, whatever its port says.
bool ServiceUnderTest::wait_ready(std::chrono::milliseconds timeout) {
  bool exited = false;
  bool ready = eventually(
      [&] {
        exited = !process->running();
        return exited || http_get(url("/readyz")).status == 200;
      },
      timeout);
  return ready && !exited;
}

bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (check()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

namespace {
size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}
}  // namespace

HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout) {
  HttpResult r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(curl);
  return r;
}

namespace {
size_t collect_header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}
}  // namespace

HttpReply http(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
               const std::optional<std::string>& body, std::chrono::milliseconds timeout) {
  HttpReply r;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (body) list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  // Every reply is held to the gateway's OpenAPI document; a departure fails the running test.
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto target = slash == std::string::npos ? std::string("/") : url.substr(slash);
  for (const auto& problem :
       OpenApiContract::gateway().check(method, target, body.has_value(), r.status, r.headers, r.body))
    ADD_FAILURE() << "OpenAPI: " << problem;
  return r;
}

}  // namespace sdp::test
