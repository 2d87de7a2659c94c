// sdp-loadgen: drives the platform's HTTP API with many asynchronous connections (Boost.Beast,
// C++20 coroutines) and measures the machine's raw limits on the same servers.
//
//   sdp-loadgen http   --url http://127.0.0.1:PORT --workload create_submit|lifecycle|get|pending|mix
//                      --connections 32 --seconds 20 --applicant TOKEN [--county T --city T --province T]
//                      [--rate OPS_PER_S]      a fixed rate of workload iterations instead of a closed loop
//                      [--webhook-port PORT]   receive the applicant's webhooks and time submit -> receipt
//   sdp-loadgen rawdb  --host 127.0.0.1 --port P --user U --password W --database D --connections 8 --seconds 10
//   sdp-loadgen rawjs  --nats nats://127.0.0.1:P --connections 8 --seconds 10
//   sdp-loadgen settle --nats nats://127.0.0.1:P --stream SDP_EVENTS --consumers a,b --seconds 120
//                      waits until the consumers have nothing pending (the platform is idle again)
// Each prints one JSON object: operations per second and latency percentiles per operation.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <nats/nats.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sdp/crypto.hpp"
#include "sdp/db.hpp"
#include "sdp/nats.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 2; i + 1 < argc; i += 2) a[std::string(argv[i]).substr(2)] = argv[i + 1];
  return a;
}

// count, p50/p95/p99/max of latencies in ms (sorts them).
json summary(std::vector<double>& ms) {
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  };
  return {{"count", ms.size()},
          {"p50_ms", pct(0.50)},
          {"p95_ms", pct(0.95)},
          {"p99_ms", pct(0.99)},
          {"max_ms", ms.empty() ? 0 : ms.back()}};
}

// Latencies per operation, merged from all connections.
struct Recorder {
  std::mutex mutex;
  std::map<std::string, std::vector<double>> ms;
  std::map<std::string, int> errors;
  void add(const std::string& op, double latency_ms) {
    std::lock_guard l(mutex);
    ms[op].push_back(latency_ms);
  }
  void error(const std::string& what) {
    std::lock_guard l(mutex);
    ++errors[what];
  }
  json report(double seconds) {
    std::lock_guard l(mutex);
    json out = {{"seconds", seconds}, {"operations", json::object()}, {"errors", errors}};
    for (auto& [op, v] : ms) {
      out["operations"][op] = summary(v);
      out["operations"][op]["per_s"] = v.size() / seconds;
    }
    return out;
  }
};

// When each declaration's submit was sent and when its `declaration.submitted` webhook arrived.
struct WebhookClock {
  std::unordered_map<std::string, Clock::time_point> submitted, received;  // by declaration id
  int deliveries = 0;
  std::vector<double> latencies_ms() const {
    std::vector<double> out;
    for (const auto& [id, at] : submitted)
      if (auto it = received.find(id); it != received.end())
        out.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
    return out;
  }
};

// A webhook receiver on 127.0.0.1:port: answers every POST 204 and notes the arrival time.
net::awaitable<void> webhook_session(net::ip::tcp::socket socket, WebhookClock& hooks) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, net::use_awaitable);
      auto at = Clock::now();
      auto body = json::parse(req.body(), nullptr, false);
      ++hooks.deliveries;
      if (body.is_object() && body.value("type", "") == "declaration.submitted")
        hooks.received.emplace(body.value("declaration_id", ""), at);
      http::response<http::empty_body> res{http::status::no_content, 11};
      res.keep_alive(req.keep_alive());
      co_await http::async_write(stream, res, net::use_awaitable);
      if (!req.keep_alive()) break;
    }
  } catch (const std::exception&) {
    // the sender closed the connection
  }
}

net::awaitable<void> webhook_listener(net::ip::tcp::acceptor& acceptor, WebhookClock& hooks) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    net::co_spawn(acceptor.get_executor(), webhook_session(std::move(socket), hooks), net::detached);
  }
}

struct HttpTarget {
  std::string host, port;
  std::string applicant, county, city, province;
  std::string region = "370102";
  std::string round;  // the open 晨星工厂 round every declaration is made in (CONTRACT §6)
};

json declaration_body(const json& catalogue, const std::string& round, int n) {
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"])
    if (!c["levels"].empty() && c["levels"][0].get<int>() <= 2)
      criteria[c["id"].get<std::string>()] = {{"met", true}, {"evidence", "bench"}};
  return {{"round", round},
          {"org_name", "压测企业"},
          {"region", "370102"},
          {"title", "压测申报 " + std::to_string(n)},
          {"contact", {{"name", "压测"}, {"phone", "13800000000"}, {"email", "bench@example.cn"}}},
          {"payload", {{"claimed_level", 2}, {"criteria", criteria}}}};
}

// One kept-alive connection running `workload` until `deadline`: in a closed loop, or one iteration
// every `interval` when it is not zero (starting at `first`).
net::awaitable<void> connection(HttpTarget t, std::string workload, json catalogue, Clock::time_point deadline,
                                Recorder& rec, std::vector<std::string>& read_ids, std::atomic<int>& seq,
                                Clock::duration interval = {}, Clock::time_point first = {},
                                WebhookClock* hooks = nullptr) {
  auto ex = co_await net::this_coro::executor;
  net::ip::tcp::resolver resolver(ex);
  beast::tcp_stream stream(ex);
  beast::flat_buffer buffer;
  auto endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);
  co_await stream.async_connect(endpoints, net::use_awaitable);

  auto send = [&](http::verb method, std::string target, const std::string& token, std::string body,
                  std::string if_match) -> net::awaitable<http::response<http::string_body>> {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, t.host);
    req.set(http::field::authorization, "Bearer " + token);
    if (!if_match.empty()) req.set(http::field::if_match, if_match);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
      req.prepare_payload();
    }
    co_await http::async_write(stream, req, net::use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, net::use_awaitable);
    co_return res;
  };
  auto timed = [&](const std::string& op, http::verb method, std::string target, const std::string& token,
                   std::string body = {}, std::string if_match = {}) -> net::awaitable<json> {
    auto start = Clock::now();
    auto res = co_await send(method, std::move(target), token, std::move(body), std::move(if_match));
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (res.result_int() >= 300) {
      rec.error(op + " " + std::to_string(res.result_int()));
      co_return json();
    }
    rec.add(op, ms);
    co_return json::parse(res.body(), nullptr, false);
  };
  auto tag = [](const json& d) { return "\"" + std::to_string(d["version"].get<int>()) + "\""; };
  net::steady_timer pace(ex);
  auto next = first;

  while (Clock::now() < deadline) {
    try {
      if (interval.count() > 0) {
        if (Clock::now() > next + interval) rec.error("behind the fixed rate");
        pace.expires_at(next);
        co_await pace.async_wait(net::use_awaitable);
        next += interval;
        if (Clock::now() >= deadline) break;
      }
      // get: the applicant's declarations by id; pending: the county reviewer's first page of 20;
      // mix: one create+submit to three reads (a get, a pending page, a get).
      const int n = seq++;
      const bool get = workload == "get" || (workload == "mix" && n % 4 != 0 && n % 4 != 2);
      const bool pending = workload == "pending" || (workload == "mix" && n % 4 == 2);
      if (get && !read_ids.empty()) {
        co_await timed("get", http::verb::get, "/v1/declarations/" + read_ids[static_cast<size_t>(n) % read_ids.size()],
                       t.applicant);
        continue;
      }
      if (pending) {
        co_await timed("pending", http::verb::get, "/v1/reviews/pending?limit=20", t.county);
        continue;
      }
      auto lifecycle_start = Clock::now();
      auto d = co_await timed("create", http::verb::post, "/v1/declarations", t.applicant,
                              declaration_body(catalogue, t.round, n).dump());
      if (d.is_discarded() || d.is_null()) continue;
      auto id = d["id"].get<std::string>();
      if (hooks) hooks->submitted.emplace(id, Clock::now());
      d = co_await timed("submit", http::verb::post, "/v1/declarations/" + id + "/submit", t.applicant);
      if (d.is_null() || workload != "lifecycle") continue;
      for (const auto& [op, token] : std::vector<std::pair<std::string, std::string>>{
               {"approve_county", t.county}, {"approve_city", t.city}, {"approve_province", t.province}}) {
        d = co_await timed(op, http::verb::post, "/v1/declarations/" + id + "/decisions", token,
                           R"({"decision":"approve","comment":"压测"})", tag(d));
        if (d.is_null()) break;
      }
      if (!d.is_null() && d["state"] == "publicity")
        rec.add("lifecycle", std::chrono::duration<double, std::milli>(Clock::now() - lifecycle_start).count());
    } catch (const std::exception& e) {
      rec.error(std::string("transport: ") + e.what());
      co_return;
    }
  }
  beast::error_code ec;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
}

// One request on a connection of its own, run to completion on `ioc`: status and body.
std::pair<int, std::string> send_once(net::io_context& ioc, const HttpTarget& t, http::verb method,
                                      const std::string& path, const std::string& token, std::string body = {}) {
  std::pair<int, std::string> out{0, {}};
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        auto ex = co_await net::this_coro::executor;
        net::ip::tcp::resolver resolver(ex);
        beast::tcp_stream stream(ex);
        beast::flat_buffer buffer;
        co_await stream.async_connect(co_await resolver.async_resolve(t.host, t.port, net::use_awaitable),
                                      net::use_awaitable);
        http::request<http::string_body> req{method, path, 11};
        req.set(http::field::host, t.host);
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!body.empty()) {
          req.set(http::field::content_type, "application/json");
          req.body() = body;
          req.prepare_payload();
        }
        co_await http::async_write(stream, req, net::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, net::use_awaitable);
        out = {res.result_int(), res.body()};
      },
      net::detached);
  ioc.run();
  ioc.restart();
  return out;
}

std::string fetch(net::io_context& ioc, const HttpTarget& t, const std::string& path, const std::string& token) {
  return send_once(ioc, t, http::verb::get, path, token).second;
}

int run_http(const std::map<std::string, std::string>& a) {
  auto url = a.at("url");  // http://host:port
  auto hostport = url.substr(url.find("//") + 2);
  HttpTarget t{hostport.substr(0, hostport.find(':')),
               hostport.substr(hostport.find(':') + 1),
               a.at("applicant"),
               a.count("county") ? a.at("county") : "",
               a.count("city") ? a.at("city") : "",
               a.count("province") ? a.at("province") : ""};
  int connections = std::stoi(a.at("connections"));
  double seconds = std::stod(a.at("seconds"));
  auto workload = a.at("workload");
  if (workload != "create_submit" && workload != "lifecycle" && workload != "get" && workload != "pending" &&
      workload != "mix")
    throw std::runtime_error("unknown workload " + workload);

  net::io_context ioc;
  // The catalogue, and for reads a set of declarations to read, before the clock starts.
  json catalogue;
  std::vector<std::string> read_ids;
  {
    Recorder setup;
    std::atomic<int> seq{0};
    catalogue = json::parse(fetch(ioc, t, "/v1/catalogs/morning-star", ""));
    // The stack opens one round per programme at its first start (deploy/local/lib.sh).
    const auto rounds = json::parse(fetch(ioc, t, "/v1/rounds?kind=morning_star&state=open", t.applicant));
    if (rounds.value("items", json::array()).empty()) throw std::runtime_error("no open morning_star round");
    t.round = rounds["items"][0]["id"];
    if (workload == "get" || workload == "mix") {
      std::vector<std::string> none;
      auto warm = Clock::now() + std::chrono::seconds(2);
      for (int i = 0; i < 4; ++i)
        net::co_spawn(ioc, connection(t, "create_submit", catalogue, warm, setup, none, seq), net::detached);
      ioc.run();
      ioc.restart();
      // The ids come back from the listing.
      std::string body = fetch(ioc, t, "/v1/declarations?limit=100", t.applicant);
      const auto listing = json::parse(body);
      for (const auto& item : listing["items"]) read_ids.push_back(item["id"]);
    }
  }

  // The applicant's webhook points at a receiver in this process.
  WebhookClock hooks;
  std::unique_ptr<net::ip::tcp::acceptor> acceptor;
  if (a.count("webhook-port")) {
    auto port = static_cast<unsigned short>(std::stoi(a.at("webhook-port")));
    acceptor =
        std::make_unique<net::ip::tcp::acceptor>(ioc, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    auto reply = send_once(
        ioc, t, http::verb::put, "/v1/webhook", t.applicant,
        json{{"url", "http://127.0.0.1:" + std::to_string(port) + "/hook"}, {"secret", "bench-secret-0123456789"}}
            .dump());
    if (reply.first != 200) throw std::runtime_error("could not register the webhook: " + reply.second);
    net::co_spawn(ioc, webhook_listener(*acceptor, hooks), net::detached);
  }

  Recorder rec;
  std::atomic<int> seq{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // At a fixed rate each connection takes every connections-th slot.
  double rate = a.count("rate") ? std::stod(a.at("rate")) : 0;
  auto interval = rate > 0
                      ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(connections / rate))
                      : Clock::duration{};
  for (int i = 0; i < connections; ++i)
    net::co_spawn(ioc,
                  connection(t, workload, catalogue, deadline, rec, read_ids, seq, interval,
                             start + interval * i / connections, acceptor ? &hooks : nullptr),
                  net::detached);
  // With a webhook receiver: run until the workload ends, then give the last webhooks 5 s to arrive.
  net::steady_timer grace(ioc);
  if (acceptor)
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
          grace.expires_at(deadline + std::chrono::seconds(5));
          co_await grace.async_wait(net::use_awaitable);
          ioc.stop();
        },
        net::detached);
  ioc.run();
  auto report = rec.report(std::chrono::duration<double>(deadline - start).count());
  report["workload"] = workload;
  report["connections"] = connections;
  if (rate > 0) report["rate"] = rate;
  if (acceptor) {
    auto lat = hooks.latencies_ms();
    auto& w = report["operations"]["submit_to_webhook"] = summary(lat);
    w["per_s"] = 0;
    w["submitted"] = hooks.submitted.size();
  }
  std::cout << report.dump() << "\n";
  return 0;
}

// Single-row INSERT commits at the same durability, one connection per thread.
int run_rawdb(const std::map<std::string, std::string>& a) {
  sdp::db::Options o;
  o.host = a.at("host");
  o.port = std::stoi(a.at("port"));
  o.user = a.at("user");
  o.password = a.at("password");
  o.database = a.at("database");
  int threads = std::stoi(a.at("connections"));
  o.pool_size = threads;
  sdp::db::Pool pool(o);
  pool.acquire()->execute_ddl(
      "CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200)) ENGINE=InnoDB");
  Recorder rec;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(std::stod(a.at("seconds"))));
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back([&] {
      auto c = pool.acquire();
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        c->execute("INSERT INTO bench_raw (body) VALUES (?)", {"一行"});
        rec.add("insert_commit", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  for (auto& w : workers) w.join();
  std::cout << rec.report(std::chrono::duration<double>(Clock::now() - start).count()).dump() << "\n";
  return 0;
}

// JetStream publishes with a message id, acknowledged, one connection per thread.
int run_rawjs(const std::map<std::string, std::string>& a) {
  int threads = std::stoi(a.at("connections"));
  sdp::nats::Options o;
  o.url = a.at("nats");
  std::vector<std::unique_ptr<sdp::nats::Connection>> conns;
  for (int i = 0; i < threads; ++i) conns.push_back(std::make_unique<sdp::nats::Connection>(o));
  for (int i = 0; i < 100 && !conns.front()->connected(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  conns.front()->ensure_stream({"BENCH_RAW", {"bench.raw.>"}, "raw publish limit", false});
  Recorder rec;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(std::stod(a.at("seconds"))));
  auto start = Clock::now();
  std::string body(600, 'x');  // about an event's size
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back([&, i] {
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        conns[i]->publish("bench.raw.event", body, sdp::crypto::uuid_v7());
        rec.add("publish", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  for (auto& w : workers) w.join();
  std::cout << rec.report(std::chrono::duration<double>(Clock::now() - start).count()).dump() << "\n";
  return 0;
}

// Waits until every named durable consumer of the stream has no message pending or unacknowledged.
int run_settle(const std::map<std::string, std::string>& a) {
  sdp::nats::Options o;
  o.url = a.at("nats");
  sdp::nats::Connection conn(o);
  auto stream = a.at("stream");
  std::vector<std::string> consumers;
  std::stringstream list(a.at("consumers"));
  for (std::string name; std::getline(list, name, ',');) consumers.push_back(name);
  auto deadline = Clock::now() + std::chrono::seconds(std::stoi(a.at("seconds")));
  auto start = Clock::now();
  while (Clock::now() < deadline) {
    uint64_t left = 0;
    for (const auto& name : consumers) {
      jsConsumerInfo* info = nullptr;
      jsErrCode err{};
      if (js_GetConsumerInfo(&info, conn.jetstream(), stream.c_str(), name.c_str(), nullptr, &err) != NATS_OK) {
        left += 1;
        continue;
      }
      left += info->NumPending + static_cast<uint64_t>(info->NumAckPending);
      jsConsumerInfo_Destroy(info);
    }
    if (left == 0) {
      std::cout << json{{"settled_after_s", std::chrono::duration<double>(Clock::now() - start).count()}}.dump()
                << "\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cerr << "sdp-loadgen: consumers still busy after " << a.at("seconds") << " s\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sdp-loadgen http|rawdb|rawjs|settle --option value ...\n";
    return 2;
  }
  try {
    auto a = parse_args(argc, argv);
    std::string mode = argv[1];
    if (mode == "http") return run_http(a);
    if (mode == "rawdb") return run_rawdb(a);
    if (mode == "rawjs") return run_rawjs(a);
    if (mode == "settle") return run_settle(a);
  } catch (const std::exception& e) {
    std::cerr << "sdp-loadgen: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode\n";
  return 2;
}
