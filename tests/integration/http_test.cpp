// The common HTTP server over real loopback sockets: keep-alive, limits, timeouts, drain.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "console.hpp"
#include "sdp/http.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace std::chrono_literals;

namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& data) {
  ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
}

// Reads until the peer closes or `until` appears (then returns what was read).
std::string read_some(int fd, const std::string& until = {}) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

http::Server echo_server(http::ServerOptions o) {
  return http::Server(o, http::synchronous([](const http::Request& r) {
                        return http::Response::json(200, nlohmann::json{{"path", r.path()},
                                                                        {"bytes", r.body.size()},
                                                                        {"q", r.query()},
                                                                        {"ct", r.header("content-type")}}
                                                             .dump());
                      }));
}

}  // namespace

TEST(HttpServer, ServesSeveralRequestsOnOneKeptAliveConnection) {
  http::ServerOptions o;
  auto server = echo_server(o);
  server.start();
  int fd = connect_to(server.port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /a?x=1&y=%E5%B1%B1 HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = read_some(fd, "}");
  EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(first.find("\"y\":\"山\""), std::string::npos) << first;
  send_all(fd, "POST /b HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  auto second = read_some(fd, "}");
  EXPECT_NE(second.find("\"path\":\"/b\""), std::string::npos) << second;
  EXPECT_NE(second.find("\"ct\":\"application/json\""), std::string::npos) << second;
  ::close(fd);
  server.stop();
}

TEST(HttpServer, ABodyOverTheLimitIs413) {
  http::ServerOptions o;
  o.body_limit = 1024;
  auto server = echo_server(o);
  server.start();
  int fd = connect_to(server.port());
  send_all(fd, "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  auto reply = read_some(fd);
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
  ::close(fd);
}

TEST(HttpServer, GarbageIs400) {
  auto server = echo_server({});
  server.start();
  int fd = connect_to(server.port());
  send_all(fd, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(read_some(fd).find("HTTP/1.1 400"), std::string::npos);
  ::close(fd);
}

TEST(HttpServer, ASlowClientIsCutOffWhileOthersAreServed) {
  http::ServerOptions o;
  o.read_timeout = 700ms;
  auto server = echo_server(o);
  server.start();
  int slow = connect_to(server.port());
  ASSERT_GE(slow, 0);
  std::atomic<bool> cut{false};
  std::thread trickle([&] {
    const std::string request = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(40, 'p') + "\r\n\r\n";
    auto began = std::chrono::steady_clock::now();
    for (char ch : request) {  // a byte every 100 ms: never a whole request within the timeout
      char probe;
      // Closed by the server: a read sees the end, or a write fails on the reset connection.
      if (::send(slow, &ch, 1, MSG_NOSIGNAL) != 1 || ::recv(slow, &probe, 1, MSG_DONTWAIT) == 0) {
        cut = std::chrono::steady_clock::now() - began >= 600ms;  // by the timeout, not at once
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
  });
  // Meanwhile others are served promptly.
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = test::http_get("http://127.0.0.1:" + std::to_string(server.port()) + "/fast");
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  }
  trickle.join();
  EXPECT_TRUE(cut.load()) << "the slow connection was never closed";
  ::close(slow);
}

TEST(HttpServer, ConnectionsOverTheCapAre503) {
  http::ServerOptions o;
  o.max_connections = 2;
  auto server = echo_server(o);
  server.start();
  int a = connect_to(server.port()), b = connect_to(server.port());
  ASSERT_TRUE(test::eventually([&] { return server.open_connections() == 2; }));
  int c = connect_to(server.port());
  auto reply = read_some(c);
  EXPECT_NE(reply.find("HTTP/1.1 503"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Retry-After"), std::string::npos);
  ::close(a);
  ::close(b);
  ::close(c);
}

TEST(HttpServer, StopWaitsForTheResponseInFlight) {
  http::ServerOptions o;
  std::atomic<bool> in_handler{false};
  http::Server server(o, [&](http::Request&&, http::Respond respond) {
    in_handler = true;
    std::thread([respond] {  // answered later, from another thread, as a NATS reply would be
      std::this_thread::sleep_for(400ms);
      respond(http::Response::json(200, R"({"late":true})"));
    })
        .detach();
  });
  server.start();
  int fd = connect_to(server.port());
  send_all(fd, "GET /slow-answer HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(test::eventually([&] { return in_handler.load(); }));
  std::thread stopper([&] { server.stop(5s); });
  auto reply = read_some(fd);
  stopper.join();
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\"late\":true"), std::string::npos);
  ::close(fd);
  EXPECT_LT(connect_to(server.port()), 0) << "still accepting after stop";
}

// RFC 9112 §6.1: a transfer coding other than a final, lone "chunked" is refused and the
// connection closed, so that what follows is never read as a second (smuggled) request.
TEST(HttpServer, AnUnsupportedTransferEncodingIsRefusedAndTheConnectionClosed) {
  auto server = echo_server({});
  server.start();
  for (std::string coding : {"gzip", "xchunked", "chunked, identity", "identity", "gzip, chunked"}) {
    int fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "POST /first HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding +
                     "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
    auto reply = read_some(fd);  // until the server closes
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400") || reply.starts_with("HTTP/1.1 501")) << coding << ": " << reply;
    EXPECT_EQ(reply.find("smuggled"), std::string::npos) << coding << ": " << reply;
    EXPECT_EQ(reply.find("/first"), std::string::npos) << coding << ": the request reached the handler";
    ::close(fd);
  }
  // Both Content-Length and Transfer-Encoding: refused as well.
  int fd = connect_to(server.port());
  send_all(fd, "POST /both HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_TRUE(read_some(fd).starts_with("HTTP/1.1 400"));
  ::close(fd);
  // A plain chunked body still works.
  fd = connect_to(server.port());
  send_all(fd, "POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  auto ok = read_some(fd, "}");
  EXPECT_NE(ok.find("HTTP/1.1 200"), std::string::npos) << ok;
  EXPECT_NE(ok.find("\"bytes\":2"), std::string::npos) << ok;
  ::close(fd);
}

// The read timeout runs from a request's first byte, on a kept-alive connection as on a new one:
// a client may idle between requests, but not trickle a header for the whole idle timeout.
TEST(HttpServer, AKeptAliveConnectionCannotTrickleAHeaderPastTheReadTimeout) {
  http::ServerOptions o;
  o.read_timeout = 500ms;
  o.idle_timeout = 10s;
  auto server = echo_server(o);
  server.start();
  int fd = connect_to(server.port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_NE(read_some(fd, "}").find("HTTP/1.1 200"), std::string::npos);
  std::this_thread::sleep_for(700ms);  // idling longer than the read timeout is fine
  const std::string request = "GET /two HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(40, 'p') + "\r\n\r\n";
  auto began = std::chrono::steady_clock::now();
  bool cut = false;
  for (char ch : request) {  // a byte every 50 ms: about 3 s for the whole request
    char probe;
    if (::send(fd, &ch, 1, MSG_NOSIGNAL) != 1 || ::recv(fd, &probe, 1, MSG_DONTWAIT) == 0) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_TRUE(cut) << "the trickled header was read for " << std::chrono::duration<double>(took).count() << " s";
  EXPECT_LT(took, 2s);
  ::close(fd);
}

// A body over the limit gets a readable 413 even while the client is still sending it: the
// server drains what follows for a bounded time instead of resetting the connection.
TEST(HttpServer, ABodyOverTheLimitGets413EvenWhileTheClientIsStillSending) {
  http::ServerOptions o;
  o.body_limit = 1024 * 1024;
  auto server = echo_server(o);
  server.start();
  int answered = 0;
  const int rounds = 20;
  for (int round = 0; round < rounds; ++round) {
    int fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    const size_t size = 4 * 1024 * 1024;
    std::string request =
        "POST /big HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(size) +
        "\r\n\r\n" + std::string(size, 'x');
    // Header and body in one go, as a client such as curl does, reading the answer only once all
    // is sent: the server refuses while the body is still coming, and must keep taking it.
    size_t sent = 0;
    while (sent < request.size()) {
      auto n = ::send(fd, request.data() + sent, std::min<size_t>(64 * 1024, request.size() - sent), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    auto send_error = sent < request.size() ? std::string(std::strerror(errno)) : std::string();
    auto reply = read_some(fd);
    if (send_error.empty() && reply.starts_with("HTTP/1.1 413"))
      answered++;
    else
      ADD_FAILURE() << "round " << round << ": sending stopped after " << sent << " bytes (" << send_error
                    << "), then read '" << reply.substr(0, 40) << "'";
    ::close(fd);
  }
  std::cout << answered << " of " << rounds << " oversized requests read their 413\n";
}

namespace {
long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}
}  // namespace

// Readers that do not read do not multiply memory: a console file is one immutable buffer that
// every connection sends from, never a copy per connection.
TEST(HttpServer, SlowReadersOfAConsoleFileShareOneBuffer) {
  auto dir = std::filesystem::temp_directory_path() / ("sdp-console-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<!doctype html><title>t</title>";
  std::string big(4 * 1024 * 1024, '\0');  // random bytes: nothing for gzip to gain
  std::mt19937 random(7);
  for (auto& c : big) c = static_cast<char>(random());
  std::ofstream(dir / "assets" / "big.js", std::ios::binary) << big;
  auto console = gateway::ConsoleFiles::load(dir);
  std::filesystem::remove_all(dir);
  big.clear();
  big.shrink_to_fit();

  std::atomic<int> served{0};
  http::ServerOptions o;
  o.threads = 2;
  http::Server server(o, [&](http::Request&& r, http::Respond respond) {
    served++;
    respond(*console.serve(r));
  });
  server.start();
  auto before = rss_kib();
  std::vector<int> readers;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "GET /assets/big.js HTTP/1.1\r\nHost: t\r\n\r\n");
    readers.push_back(fd);  // and never read
  }
  ASSERT_TRUE(test::eventually([&] { return served.load() == 100; }));
  std::this_thread::sleep_for(300ms);
  auto grown_mib = (rss_kib() - before) / 1024;
  std::cout << "RSS grew by " << grown_mib << " MiB for 100 readers of a 4 MiB file\n";
  EXPECT_LT(grown_mib, 64) << "each connection holds its own copy";
  for (int fd : readers) ::close(fd);
  server.stop(1s);
}
