#pragma once
// An asynchronous HTTP/1.1 server on Boost.Beast, in the shape of Beast's advanced server:
// a thread pool, keep-alive, a timeout on every read and write, header and body limits, a cap on
// connections and a graceful drain. Handlers see plain structs, never a socket.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sdp::http {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, as sent
  Headers headers;
  std::string body;
  std::string remote_address;

  std::string path() const;                           // target without the query
  std::map<std::string, std::string> query() const;   // decoded query parameters
  std::string header(const std::string& name) const;  // "" when absent
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is this immutable buffer instead (`body` is ignored): sent without a copy,
  // so that many slow readers of one large file share it.
  std::shared_ptr<const std::string> shared_body;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  // RFC 9457 problem details.
  static Response problem(int status, std::string title, std::string detail = {});
};

// A request method as a metrics label: the standard ones as they are, anything else "other", so
// that no client can add a series.
std::string method_label(std::string_view method);

// The problem "type" of CONTRACT §3 errors for an HTTP status, e.g. 400 -> "/problems/validation".
std::string problem_type(int status);

// Answers a request exactly once, from any thread.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Respond)>;
// Adapts a synchronous handler.
Handler synchronous(std::function<Response(const Request&)> handler);

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port())
  int threads = 1;
  std::chrono::milliseconds read_timeout{15000};  // a whole request must arrive within this
  std::chrono::milliseconds write_timeout{15000};
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive between requests
  std::size_t body_limit = 1024 * 1024;           // larger: 413
  std::size_t header_limit = 16 * 1024;           // larger: 431
  std::size_t max_connections = 2048;             // beyond: 503 and close
  std::size_t send_buffer = 256 * 1024;           // kernel send buffer per connection (0: the system's)
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  void start();  // binds and starts the threads; throws sdp::Error if the address is taken
  uint16_t port() const;
  // Stops accepting, lets requests in flight finish (up to `grace`), closes idle connections, joins.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  std::size_t open_connections() const;

  struct Impl;  // public only so that the connection sessions in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sdp::http
