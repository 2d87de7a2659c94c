#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/http.hpp"
#include "sdp/log.hpp"
#include "sdp/messages.hpp"

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace sdp::http {

// ---- plain request/response helpers ----
bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Request::path() const { return target.substr(0, target.find('?')); }

namespace {
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::map<std::string, std::string> Request::query() const {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (!pair.empty())
      out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = std::move(content_type);
  r.body = std::move(body);
  return r;
}

std::string method_label(std::string_view method) {
  static constexpr std::string_view known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto k : known)
    if (method == k) return std::string(k);
  return "other";
}

std::string problem_type(int status) {
  switch (status) {
    case 400: return "/problems/validation";
    case 401: return "/problems/unauthorized";
    case 403: return "/problems/forbidden";
    case 404: return "/problems/not-found";
    case 405: return "/problems/method-not-allowed";
    case 409: return "/problems/conflict";
    case 412: return "/problems/precondition-failed";
    case 413: return "/problems/payload-too-large";
    case 415: return "/problems/unsupported-media-type";
    case 422: return "/problems/rule-violation";
    case 428: return "/problems/precondition-required";
    case 431: return "/problems/header-too-large";
    case 503: return "/problems/unavailable";
    default: return status >= 500 ? "/problems/internal" : "about:blank";
  }
}

Response Response::problem(int status, std::string title, std::string detail) {
  nlohmann::json j = {{"type", problem_type(status)}, {"title", title}, {"status", status}};
  if (!detail.empty()) j["detail"] = detail;
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/problem+json";
  r.body = j.dump();
  return r;
}

Handler synchronous(std::function<Response(const Request&)> handler) {
  return [handler = std::move(handler)](Request&& req, Respond respond) { respond(handler(req)); };
}

namespace {
// RFC 9112 §6.1, §6.3: the one transfer coding accepted is a lone, final "chunked", never beside
// Content-Length. Anything else cannot be framed safely (what follows could be read as a second,
// smuggled request): refused, and the connection closed.
std::optional<std::pair<int, Text>> framing_refusal(const bhttp::request<bhttp::string_body>& msg) {
  std::vector<std::string> codings;
  for (const auto& field : msg) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    std::string_view rest = field.value();
    while (true) {
      auto comma = rest.find(',');
      std::string coding(rest.substr(0, comma));
      coding.erase(0, coding.find_first_not_of(" \t"));
      coding.erase(coding.find_last_not_of(" \t") + 1);
      std::transform(coding.begin(), coding.end(), coding.begin(), [](unsigned char c) { return std::tolower(c); });
      codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (codings.empty()) return std::nullopt;
  if (codings.back() != "chunked")
    return std::pair{400, Text{"Bad request: Transfer-Encoding must end in chunked",
                               "请求格式不正确：Transfer-Encoding 须以 chunked 结尾"}};
  if (codings.size() > 1)
    return std::pair{501, Text{"Transfer coding not implemented: only chunked is", "不支持该传输编码：只支持 chunked"}};
  if (msg.count(bhttp::field::content_length) > 0)
    return std::pair{400, Text{"Bad request: both Content-Length and Transfer-Encoding",
                               "请求格式不正确：Content-Length 与 Transfer-Encoding 不能同时出现"}};
  return std::nullopt;
}
}  // namespace

// ---- the server ----
class Session;

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  // Keeps run() going while a handler answers later from another thread and nothing else is pending.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> connections{0};
  std::mutex sessions_mutex;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;
  std::condition_variable sessions_changed;
  uint16_t bound_port = 0;

  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)), ioc(std::max(1, options.threads)) {}
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "" : ep.address().to_string();
    // What the kernel may hold unsent for this connection; a slow reader holds no more.
    if (server.options.send_buffer > 0)
      stream_.socket().set_option(net::socket_base::send_buffer_size(static_cast<int>(server.options.send_buffer)), ec);
  }

  ~Session() {
    {
      std::lock_guard lock(server_.sessions_mutex);
      server_.connections--;
    }
    server_.sessions_changed.notify_all();
  }

  void start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // Called by Server::stop: an idle connection closes now, a busy one after its response.
  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->do_close();
    });
  }

  // Refuses a connection over the cap with 503, then closes.
  void refuse() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      auto r = Response::problem(503, "Too many connections", "the server is at its connection limit");
      r.headers["Retry-After"] = "1";
      r.headers["X-Request-Id"] = crypto::uuid_v7();
      self->close_after_write_ = true;
      self->send(std::move(r), 11, false);
    });
  }

 private:
  void do_read() {
    parser_.emplace();
    // Checked once the header is in (on_header): a streamed body has its sink's limit instead.
    parser_->body_limit(kUnlimited);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // A new connection's first request, and bytes already buffered, start the read timeout now.
    if (first_request_ || buffer_.size() > 0) return read_header();
    // Between requests a kept-alive connection may idle; the next request's first byte starts
    // its read timeout, so that nobody trickles a header for the whole idle timeout.
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->on_read(ec, 0);
                              self->read_header();
                            });
  }

  void read_header() {
    stream_.expires_after(server_.options.read_timeout);  // for the whole request, header and body
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    if (auto refusal = framing_refusal(parser_->get())) return reject(refusal->first, refusal->second, {});
    request_ = header_of(parser_->get());
    if (server_.options.streamer) {
      auto plan = server_.options.streamer(request_);
      if (plan.refusal) return refuse(std::move(*plan.refusal));
      if (plan.sink) return start_stream(std::move(plan.sink));
    }
    if (auto length = parser_->content_length(); length && *length > server_.options.body_limit)
      return on_read(bhttp::error::body_limit, 0);
    parser_->body_limit(server_.options.body_limit);  // a chunked body is counted as it comes
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  Request header_of(const bhttp::request<bhttp::string_body>& msg) const {
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      auto name = std::string(field.name_string());
      auto [it, fresh] = req.headers.emplace(name, std::string(field.value()));
      if (!fresh) it->second += ", " + std::string(field.value());
    }
    req.remote_address = remote_;
    return req;
  }

  // ---- a streamed body: read in bounded chunks into the sink, each chunk with its own timeout ----
  void start_stream(std::shared_ptr<BodySink> sink) {
    stream_parser_.emplace(std::move(*parser_));
    parser_.reset();
    stream_parser_->body_limit(kUnlimited);  // the sink counts
    sink_ = std::move(sink);
    chunk_.resize(server_.options.stream_chunk);
    // A client that waits for 100 Continue is told to go on (it would otherwise wait a second).
    if (beast::iequals(request_.header("Expect"), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(server_.options.write_timeout);
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->do_close();
                                self->read_chunk();
                              });
    }
    read_chunk();
  }

  void read_chunk() {
    stream_.expires_after(server_.options.read_timeout);
    auto& body = stream_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    bhttp::async_read(stream_, buffer_, *stream_parser_,
                      beast::bind_front_handler(&Session::on_chunk, shared_from_this()));
  }

  void on_chunk(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      sink_.reset();  // cut off: the sink discards what it took
      stream_parser_.reset();
      return on_read(ec, 0);
    }
    const std::size_t got = chunk_.size() - stream_parser_->get().body().size;
    if (got > 0)
      if (auto refusal = sink_->write(chunk_.data(), got)) {
        sink_.reset();
        return refuse(std::move(*refusal));
      }
    if (!stream_parser_->is_done()) return read_chunk();
    first_request_ = false;
    const unsigned version = stream_parser_->get().version();
    const bool keep_alive = stream_parser_->get().keep_alive();
    stream_parser_.reset();
    chunk_.clear();
    chunk_.shrink_to_fit();
    request_.sink = std::move(sink_);
    dispatch(version, keep_alive);
  }

  // A refusal decided before the body was read (or while): answered, then the rest drained and closed.
  void refuse(Response r) {
    close_after_write_ = true;
    linger_after_write_ = true;
    busy_ = true;
    send(std::move(r), 11, false);
  }

  void on_read(beast::error_code ec, std::size_t) {
    first_request_ = false;
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset)
      return do_close();
    if (ec == bhttp::error::body_limit)
      return reject(413, {"Payload too large", "提交的内容过大"},
                    {"the body is over the limit", "提交的内容超过了上限"});
    if (ec == bhttp::error::header_limit) return reject(431, {"Request header fields too large", "请求头过大"}, {});
    if (ec) return reject(400, {"Bad request", "请求格式不正确"}, {ec.message(), ""});

    auto& msg = parser_->get();
    request_.body = std::move(msg.body());
    dispatch(msg.version(), msg.keep_alive());
  }

  // The request read (request_) to the handler, which answers once, from any thread.
  void dispatch(unsigned version, bool keep_alive) {
    Request req = std::move(request_);
    request_ = Request{};
    busy_ = true;
    auto respond = [self = shared_from_this(), version, keep_alive,
                    answered = std::make_shared<std::atomic<bool>>(false)](Response res) {
      if (answered->exchange(true)) return;  // exactly once
      net::post(self->stream_.get_executor(), [self, res = std::move(res), version, keep_alive]() mutable {
        self->send(std::move(res), version, keep_alive);
      });
    };
    try {
      server_.handler(std::move(req), respond);
    } catch (const std::exception& e) {
      log::error("handler threw", {{"error", e.what()}});
      respond(Response::problem(500, "Internal server error"));
    }
  }

  // Answers a request that cannot be read, then closes, in the language the request asks for if
  // that much of its header has arrived (CONTRACT §3). The client may still be sending (a body
  // over the limit): what it sends is drained for a bounded time, so that it reads the answer
  // instead of a connection reset.
  void reject(int status, const Text& title, const Text& detail) {
    close_after_write_ = true;
    linger_after_write_ = true;
    busy_ = true;
    auto language = Language::en;
    if (parser_) {  // what of the header has arrived
      auto asked = parser_->get()[bhttp::field::accept_language];
      language = preferred_language(std::string_view(asked.data(), asked.size()));
    } else if (!request_.method.empty()) {
      language = preferred_language(request_.header("Accept-Language"));
    }
    auto r = Response::problem(status, in(language, title), language == Language::zh ? detail.zh : detail.en);
    r.headers["X-Request-Id"] = crypto::uuid_v7();  // refused before any handler gave it one
    send(std::move(r), 11, false);
  }

  void send(Response res, unsigned version, bool keep_alive) {
    bool close = close_after_write_ || !keep_alive || server_.draining;
    if (res.source) return write_source(std::move(res), version, close);
    if (res.shared_body) {
      // An immutable buffer shared by every connection that sends it (a console file): no copy.
      auto body = std::move(res.shared_body);
      auto msg = std::make_shared<bhttp::response<bhttp::span_body<const char>>>(static_cast<bhttp::status>(res.status),
                                                                                 version);
      msg->body() = {body->data(), body->size()};
      return write(std::move(msg), std::move(res.headers), close, std::move(body));
    }
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(res.status), version);
    msg->body() = std::move(res.body);
    write(std::move(msg), std::move(res.headers), close, nullptr);
  }

  template <class Message>
  static void set_headers(Message& msg, const Headers& headers, bool close) {
    msg.set(bhttp::field::server, "sdp");
    msg.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : headers) msg.set(k, v);
    msg.keep_alive(!close);
  }

  // ---- a body from a source: one bounded chunk at a time, each write with its own timeout ----
  struct Outgoing {
    bhttp::response<bhttp::buffer_body> msg;
    std::optional<bhttp::response_serializer<bhttp::buffer_body>> serializer;
    std::shared_ptr<BodySource> source;
    std::uint64_t left = 0;
    std::vector<char> chunk;
    bool close = false;
  };

  void write_source(Response res, unsigned version, bool close) {
    auto out = std::make_shared<Outgoing>();
    out->msg = bhttp::response<bhttp::buffer_body>(static_cast<bhttp::status>(res.status), version);
    set_headers(out->msg, res.headers, close);
    out->source = std::move(res.source);
    out->left = out->source->size();
    out->msg.content_length(out->left);
    out->chunk.resize(std::max<std::size_t>(1, server_.options.stream_chunk));
    out->close = close;
    out->serializer.emplace(out->msg);
    pump(std::move(out));
  }

  void pump(std::shared_ptr<Outgoing> out) {
    auto& body = out->msg.body();
    if (out->left > 0) {
      const std::size_t n = out->source->read(out->chunk.data(), std::min<std::uint64_t>(out->chunk.size(), out->left));
      if (n == 0) {  // the source failed mid-way: the client sees a short body and a closed connection
        log::warn("response body source ended early", {{"missing_bytes", out->left}});
        return do_close();
      }
      out->left -= n;
      body.data = out->chunk.data();
      body.size = n;
    } else {
      body.data = nullptr;
      body.size = 0;
    }
    body.more = out->left > 0;
    stream_.expires_after(server_.options.write_timeout);
    auto& serializer = *out->serializer;
    bhttp::async_write(stream_, serializer, [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) return self->do_close();
      if (!out->serializer->is_done()) return self->pump(out);
      self->busy_ = false;
      if (self->linger_after_write_) return self->do_linger();
      if (out->close) return self->do_close();
      self->do_read();
    });
  }

  template <class Message>
  void write(std::shared_ptr<Message> msg, Headers headers, bool close, std::shared_ptr<const std::string> keep) {
    set_headers(*msg, headers, close);
    msg->prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, *msg, [self = shared_from_this(), msg, keep, close](beast::error_code ec, std::size_t) {
      self->busy_ = false;
      if (!ec && self->linger_after_write_) return self->do_linger();
      if (ec || close) return self->do_close();
      self->do_read();
    });
  }

  // After the answer: no more writes, and whatever the client still sends is read and dropped
  // until it closes, up to kLingerBytes or the linger time, whichever comes first.
  void do_linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    if (lingered_ >= kLingerBytes) return do_close();
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(kDrainRead),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec) return self->do_close();
                              self->drain();
                            });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  // Beast compares a Content-Length with an unset (none) limit as over it: the largest value instead.
  static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::size_t kFirstRead = 4096;
  static constexpr std::size_t kDrainRead = 64 * 1024;
  static constexpr std::size_t kLingerBytes = 64 * 1024 * 1024;
  static constexpr std::chrono::seconds kLingerTime{2};

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;  // a streamed body, after its header
  std::shared_ptr<BodySink> sink_;
  std::vector<char> chunk_;
  Request request_;  // the request being read: its header once in, then its body
  Server::Impl& server_;
  std::string remote_;
  bool busy_ = false;
  bool first_request_ = true;
  bool close_after_write_ = false;
  bool linger_after_write_ = false;
  std::size_t lingered_ = 0;
};

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (!ec) {
    std::shared_ptr<Session> session;
    bool over_cap;
    {
      std::lock_guard lock(sessions_mutex);
      over_cap = connections >= options.max_connections;
      connections++;
      session = std::make_shared<Session>(std::move(socket), *this);
      for (auto it = sessions.begin(); it != sessions.end();) it = it->expired() ? sessions.erase(it) : std::next(it);
      sessions.insert(session);
    }
    if (over_cap)
      session->refuse();
    else
      session->start();
  }
  do_accept();
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

void Server::start() {
  auto& i = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(i.options.address, ec);
  if (ec) throw Error(ErrorSource::config, "bad listen address '" + i.options.address + "'");
  tcp::endpoint ep(address, i.options.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw Error(ErrorSource::io,
                "cannot listen on " + i.options.address + ":" + std::to_string(i.options.port) + ": " + ec.message());
  i.bound_port = i.acceptor.local_endpoint().port();
  i.do_accept();
  for (int t = 0; t < std::max(1, i.options.threads); ++t) i.threads.emplace_back([&i] { i.ioc.run(); });
}

uint16_t Server::port() const { return impl_->bound_port; }

std::size_t Server::open_connections() const { return impl_->connections; }

void Server::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  if (i.threads.empty()) return;
  i.draining = true;
  net::post(i.acceptor.get_executor(), [&i] {
    beast::error_code ec;
    i.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(i.sessions_mutex);
    for (auto& weak : i.sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->shutdown();
  live.clear();  // outside the lock: the last reference may destroy a session, which takes the lock
  {
    std::unique_lock lock(i.sessions_mutex);
    i.sessions_changed.wait_for(lock, grace, [&i] { return i.connections == 0; });
  }
  i.work.reset();
  i.ioc.stop();
  for (auto& t : i.threads) t.join();
  i.threads.clear();
}

}  // namespace sdp::http
