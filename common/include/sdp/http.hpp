#pragma once
// An asynchronous HTTP/1.1 server on Boost.Beast, in the shape of Beast's advanced server:
// a thread pool, keep-alive, a timeout on every read and write, header and body limits, a cap on
// connections and a graceful drain. Handlers see plain structs, never a socket.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdp::http {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

class BodySink;
class BodySource;

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, as sent
  Headers headers;
  std::string body;
  std::string remote_address;
  // When the body was streamed (Server::set_body_streamer): the sink that took it; `body` is empty.
  std::shared_ptr<BodySink> sink;

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
  // When set, the body is read from this in bounded chunks as the client takes it (a download);
  // `body` and `shared_body` are ignored and Content-Length is the source's size.
  std::shared_ptr<BodySource> source;

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

// Takes a streamed request body as it arrives, in chunks of at most ServerOptions::stream_chunk
// bytes, on an I/O thread (so nothing that blocks for long).
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next bytes; a response refuses the request with it (nothing more is read).
  virtual std::optional<Response> write(const char* data, std::size_t size) = 0;
};

// Gives a response body in chunks (a file), on an I/O thread.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual std::uint64_t size() const = 0;
  // Up to `max` next bytes into `into`; 0 at the end, or on an error (the connection is closed).
  virtual std::size_t read(char* into, std::size_t max) = 0;
};

// For a request whose header has arrived: how its body is read. Runs on an I/O thread.
struct BodyPlan {
  std::shared_ptr<BodySink> sink;   // set: the body goes there as it arrives, instead of Request::body
  std::optional<Response> refusal;  // set: answered at once, the body is not read
};
using BodyStreamer = std::function<BodyPlan(const Request& header)>;

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
  std::size_t stream_chunk = 64 * 1024;           // a streamed body's buffer, each way
  // Decides, from its header, which requests have their body streamed (none when empty). A
  // streamed body has no body_limit of its own (its sink bounds it) and a read timeout per chunk.
  BodyStreamer streamer;
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
