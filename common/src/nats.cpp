#include "sdp/nats.hpp"

#include <nats/nats.h>

#include <condition_variable>
#include <fstream>
#include <thread>

#include "sdp/error.hpp"
#include "sdp/files.hpp"
#include "sdp/log.hpp"

namespace sdp::nats {
namespace {

// The one place where a natsStatus / jsErrCode becomes an sdp::Error.
[[noreturn]] void fail(const std::string& what, natsStatus s, jsErrCode js = static_cast<jsErrCode>(0)) {
  std::string text = what + ": " + natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last && *last) text += " (" + std::string(last) + ")";
  if (js != 0) text += " [JetStream error " + std::to_string(static_cast<int>(js)) + "]";
  bool transient = s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_CONNECTION_CLOSED ||
                   s == NATS_CONNECTION_DISCONNECTED || s == NATS_NOT_YET_CONNECTED || s == NATS_IO_ERROR ||
                   s == NATS_NO_SERVER;
  throw Error(ErrorSource::nats, text, js != 0 ? static_cast<int>(js) : static_cast<int>(s), transient);
}

void check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) fail(what, s);
}

int64_t nanos(std::chrono::nanoseconds d) { return static_cast<int64_t>(d.count()); }

using Msg = Handle<natsMsg, natsMsg_Destroy>;
using OptionsHandle = Handle<natsOptions, natsOptions_Destroy>;
using PubAck = Handle<jsPubAck, jsPubAck_Destroy>;
using MetaData = Handle<jsMsgMetaData, jsMsgMetaData_Destroy>;
struct FreeKeys {
  void operator()(const char** keys) const { free(static_cast<void*>(keys)); }
};

// The messages of one fetch, freed with the list.
struct Fetched {
  natsMsgList list{};
  Fetched() = default;
  Fetched(const Fetched&) = delete;
  Fetched& operator=(const Fetched&) = delete;
  ~Fetched() { natsMsgList_Destroy(&list); }
};

// A failed ack, nak or term leaves the message with the server, which delivers it again after ack_wait.
void warn_if_failed(natsStatus s, const char* action, const std::string& consumer, const char* subject) {
  if (s != NATS_OK)
    log::warn(std::string("could not ") + action + " a message; it will be redelivered",
              {{"consumer", consumer}, {"subject", subject}, {"error", natsStatus_GetText(s)}});
}

std::string json_string(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
    throw Error(ErrorSource::config, where + ": '" + key + "' must be a non-empty string");
  return j[key].get<std::string>();
}

Message to_message(natsMsg* msg) {
  Message m;
  m.subject = natsMsg_GetSubject(msg);
  m.data.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  const char** raw_keys = nullptr;
  int count = 0;
  // Anything but NATS_OK means the message has no headers (NATS_NOT_FOUND).
  if (natsMsgHeader_Keys(msg, &raw_keys, &count) != NATS_OK) return m;
  std::unique_ptr<const char*, FreeKeys> keys(raw_keys);
  for (int i = 0; i < count; ++i) {
    const char* value = nullptr;
    // A key listed has a value; a failure here leaves that header out rather than the message.
    if (natsMsgHeader_Get(msg, keys.get()[i], &value) == NATS_OK && value) m.headers[keys.get()[i]] = value;
  }
  return m;
}

void on_disconnected(natsConnection*, void*) { log::warn("NATS disconnected; reconnecting"); }
void on_reconnected(natsConnection*, void*) { log::info("NATS reconnected"); }
void on_connected(natsConnection*, void*) { log::info("NATS connected"); }

}  // namespace

// ---- Topology ----
Topology Topology::from_json(const nlohmann::json& j) {
  Topology t;
  if (!j.is_object() || !j.contains("streams") || !j["streams"].is_array())
    throw Error(ErrorSource::config, "NATS topology: 'streams' must be an array");
  for (const auto& s : j["streams"]) {
    StreamSpec spec;
    spec.name = json_string(s, "name", "NATS topology stream");
    if (!s.contains("subjects") || !s["subjects"].is_array() || s["subjects"].empty())
      throw Error(ErrorSource::config, "NATS topology stream " + spec.name + ": 'subjects' must be a non-empty array");
    spec.subjects = s["subjects"].get<std::vector<std::string>>();
    spec.description = s.value("description", "");
    spec.memory = s.value("storage", "file") == "memory";
    spec.duplicate_window = std::chrono::seconds(s.value("duplicate_window_seconds", 600));
    spec.max_age = std::chrono::seconds(s.value("max_age_seconds", 0));
    t.streams.push_back(std::move(spec));
  }
  const auto consumers = j.value("consumers", nlohmann::json::array());
  for (const auto& c : consumers) {
    ConsumerSpec spec;
    spec.durable = json_string(c, "durable", "NATS topology consumer");
    auto where = "NATS topology consumer " + spec.durable;
    spec.stream = json_string(c, "stream", where);
    spec.filter_subject = json_string(c, "filter_subject", where);
    spec.dead_letter_subject = json_string(c, "dead_letter_subject", where);
    spec.ack_wait = std::chrono::seconds(c.value("ack_wait_seconds", 30));
    spec.max_deliver = c.value("max_deliver", 5);
    spec.max_ack_pending = c.value("max_ack_pending", 1000);
    for (auto ms : c.value("backoff_ms", std::vector<int64_t>{})) spec.backoff.emplace_back(ms);
    if (spec.max_deliver < 1) throw Error(ErrorSource::config, where + ": 'max_deliver' must be at least 1");
    if (!spec.backoff.empty() && static_cast<int>(spec.backoff.size()) >= spec.max_deliver)
      throw Error(ErrorSource::config, where + ": 'backoff_ms' must have fewer entries than 'max_deliver'");
    bool known = false;
    for (const auto& s : t.streams) known = known || s.name == spec.stream;
    if (!known) throw Error(ErrorSource::config, where + ": stream '" + spec.stream + "' is not declared");
    if (t.consumers.contains(spec.durable)) throw Error(ErrorSource::config, where + " is declared twice");
    t.consumers[spec.durable] = std::move(spec);
  }
  const auto commands = j.value("commands", nlohmann::json::object());
  for (const auto& [service, prefix] : commands.items()) {
    if (!prefix.is_string() || prefix.get<std::string>().empty())
      throw Error(ErrorSource::config, "NATS topology command prefix of '" + service + "' must be a non-empty string");
    t.commands[service] = prefix.get<std::string>();
  }
  return t;
}

void Topology::set_replicas(int n) {
  for (auto& s : streams) s.replicas = n;
  for (auto& [_, c] : consumers) c.replicas = n;
}

std::string Topology::command(const std::string& service, const std::string& verb) const {
  auto it = commands.find(service);
  if (it == commands.end()) throw Error(ErrorSource::config, "NATS topology has no commands for '" + service + "'");
  return it->second + "." + verb;
}

Topology Topology::from_file(const std::filesystem::path& path) {
  auto document = read_json_file(path);
  try {
    return from_json(document);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorSource::config, "NATS topology '" + path.string() + "': " + e.what());
  }
}

// ---- Connection ----
void Connection::ConnDeleter::operator()(natsConnection* c) const { natsConnection_Destroy(c); }
void Connection::JsDeleter::operator()(jsCtx* js) const { jsCtx_Destroy(js); }
void Connection::SubDeleter::operator()(natsSubscription* s) const { natsSubscription_Destroy(s); }

// One served subject. Its callbacks may use it until the library calls on_complete(): the
// subscription is closed or drained and its last callback has returned.
struct Connection::Served {
  Served(Connection* owner, std::string subject, RequestHandler handler)
      : owner(owner), subject(std::move(subject)), handler(std::move(handler)) {}
  Connection* owner;
  std::string subject;
  RequestHandler handler;
  std::unique_ptr<natsSubscription, SubDeleter> sub;

  static void on_complete(void* closure) {
    auto* self = static_cast<Served*>(closure);
    std::lock_guard lock(self->mutex_);
    self->completed_ = true;
    self->completed_cv_.notify_all();
  }
  bool completed() {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  bool wait_completed(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return completed_cv_.wait_until(lock, deadline, [this] { return completed_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable completed_cv_;
  bool completed_ = false;
};

Connection::Connection(const Options& options) : options_(options) {
  natsOptions* raw_opts = nullptr;
  check(natsOptions_Create(&raw_opts), "creating NATS options");
  OptionsHandle opts(raw_opts);
  // natsOptions_SetURL takes one URL (only natsConnection_ConnectTo splits a list): a cluster's
  // servers, comma-separated, go to SetServers, or the whole list is taken for one host name.
  std::vector<std::string> urls;
  for (std::string::size_type start = 0;;) {
    auto comma = options.url.find(',', start);
    urls.push_back(options.url.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (urls.size() == 1) {
    check(natsOptions_SetURL(opts.get(), options.url.c_str()), "NATS URL '" + options.url + "'");
  } else {
    std::vector<const char*> servers;
    for (const auto& u : urls) servers.push_back(u.c_str());
    check(natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size())),
          "NATS servers '" + options.url + "'");
  }
  if (!options.name.empty()) check(natsOptions_SetName(opts.get(), options.name.c_str()), "NATS connection name");
  check(natsOptions_SetMaxReconnect(opts.get(), -1), "NATS max reconnect");
  check(natsOptions_SetReconnectWait(opts.get(), options.reconnect_wait.count()), "NATS reconnect wait");
  check(natsOptions_SetReconnectJitter(opts.get(), options.reconnect_jitter.count(), options.reconnect_jitter.count()),
        "NATS reconnect jitter");
  // Keep publishing into the reconnect buffer while the server is away (up to 8 MiB).
  check(natsOptions_SetReconnectBufSize(opts.get(), 8 * 1024 * 1024), "NATS reconnect buffer");
  check(natsOptions_SetDisconnectedCB(opts.get(), on_disconnected, nullptr), "NATS disconnected callback");
  check(natsOptions_SetReconnectedCB(opts.get(), on_reconnected, nullptr), "NATS reconnected callback");
  // With a connected callback, Connect returns at once and keeps trying in the background.
  check(natsOptions_SetRetryOnFailedConnect(opts.get(), true, on_connected, nullptr), "NATS retry on connect");

  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_Connect(&nc, opts.get());
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) fail("connecting to NATS at " + options.url, s);
  conn_.reset(nc);

  jsOptions js_opts;
  check(jsOptions_Init(&js_opts), "JetStream options");
  js_opts.Wait = options.request_timeout.count();
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, nc, &js_opts), "opening JetStream");
  js_.reset(js);
}

Connection::~Connection() {
  stop_serving(false, options_.request_timeout);  // no callback may outlive what it uses
}

bool Connection::connected() const { return natsConnection_Status(conn_.get()) == NATS_CONN_STATUS_CONNECTED; }

void Connection::ensure_stream(const StreamSpec& spec) {
  std::vector<const char*> subjects;
  for (const auto& s : spec.subjects) subjects.push_back(s.c_str());
  jsStreamConfig cfg;
  check(jsStreamConfig_Init(&cfg), "stream config");
  cfg.Name = spec.name.c_str();
  cfg.Description = spec.description.empty() ? nullptr : spec.description.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = spec.memory ? js_MemoryStorage : js_FileStorage;
  cfg.Duplicates = nanos(spec.duplicate_window);
  cfg.MaxAge = nanos(spec.max_age);
  cfg.Replicas = spec.replicas;

  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(nullptr, js_.get(), &cfg, nullptr, &jerr);  // no jsStreamInfo wanted
  if (s != NATS_OK && jerr == JSStreamNameExistErr) s = js_UpdateStream(nullptr, js_.get(), &cfg, nullptr, &jerr);
  if (s != NATS_OK) fail("declaring stream " + spec.name, s, jerr);
}

void Connection::ensure_consumer(const ConsumerSpec& spec) {
  std::vector<int64_t> backoff;
  for (auto d : spec.backoff) backoff.push_back(nanos(d));
  jsConsumerConfig cfg;
  check(jsConsumerConfig_Init(&cfg), "consumer config");
  cfg.Durable = spec.durable.c_str();
  cfg.AckPolicy = js_AckExplicit;
  cfg.DeliverPolicy = js_DeliverAll;
  cfg.AckWait = nanos(spec.ack_wait);
  cfg.MaxDeliver = spec.max_deliver;
  cfg.FilterSubject = spec.filter_subject.c_str();
  cfg.MaxAckPending = spec.max_ack_pending;
  cfg.Replicas = spec.replicas;
  if (!backoff.empty()) {
    cfg.BackOff = backoff.data();
    cfg.BackOffLen = static_cast<int>(backoff.size());
  }
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddConsumer(nullptr, js_.get(), spec.stream.c_str(), &cfg, nullptr, &jerr);  // no info wanted
  if (s != NATS_OK && jerr == JSConsumerNameExistErr)
    s = js_UpdateConsumer(nullptr, js_.get(), spec.stream.c_str(), &cfg, nullptr, &jerr);
  if (s != NATS_OK) fail("declaring consumer " + spec.durable + " on " + spec.stream, s, jerr);
}

void Connection::ensure(const Topology& topology) {
  for (const auto& s : topology.streams) ensure_stream(s);
  for (const auto& [_, c] : topology.consumers) ensure_consumer(c);
}

PublishAck Connection::publish(const std::string& subject, const std::string& data, const std::string& message_id,
                               const std::map<std::string, std::string>& headers) {
  natsMsg* raw = nullptr;
  check(natsMsg_Create(&raw, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size())),
        "creating a message for " + subject);
  Msg msg(raw);
  for (const auto& [k, v] : headers) check(natsMsgHeader_Set(msg.get(), k.c_str(), v.c_str()), "setting header " + k);

  jsPubOptions po;
  check(jsPubOptions_Init(&po), "publish options");
  po.MsgId = message_id.c_str();
  po.MaxWait = options_.request_timeout.count();
  jsPubAck* raw_ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PublishMsg(&raw_ack, js_.get(), msg.get(), &po, &jerr);
  PubAck ack(raw_ack);
  if (s != NATS_OK) fail("publishing " + subject + " (id " + message_id + ")", s, jerr);
  return {ack->Sequence, ack->Duplicate};
}

std::string Connection::request(const std::string& subject, const std::string& data,
                                std::optional<std::chrono::milliseconds> timeout) {
  // Never into the reconnect buffer: a request held there while the servers are away is sent when
  // they come back, and carried out after its caller was answered 503 (nothing done) and may have
  // retried (the fault matrix's row "NATS stopped 30 s" found submits done after their 503).
  if (natsConnection_Status(conn_.get()) != NATS_CONN_STATUS_CONNECTED)
    fail("request to " + subject + " while NATS is not connected", NATS_CONNECTION_DISCONNECTED);
  natsMsg* raw = nullptr;
  natsStatus s = natsConnection_Request(&raw, conn_.get(), subject.c_str(), data.data(), static_cast<int>(data.size()),
                                        timeout.value_or(options_.request_timeout).count());
  Msg reply(raw);
  if (s != NATS_OK) fail("request to " + subject, s);
  return std::string(natsMsg_GetData(reply.get()), static_cast<size_t>(natsMsg_GetDataLength(reply.get())));
}

void Connection::serve(const std::string& subject, const std::string& queue, RequestHandler handler) {
  {
    std::lock_guard lock(handlers_mutex_);
    if (!handlers_) handlers_ = std::make_unique<ThreadPool>(options_.handler_threads, 100000);
  }
  auto on_message = [](natsConnection* nc, natsSubscription*, natsMsg* raw, void* closure) {
    Msg msg(raw);
    auto* self = static_cast<Served*>(closure);
    std::string reply_to = natsMsg_GetReply(raw) ? natsMsg_GetReply(raw) : "";
    auto job = [self, nc, reply_to = std::move(reply_to), message = to_message(raw)] {
      std::string reply;
      try {
        reply = self->handler(message);
      } catch (const std::exception& e) {
        // Handlers answer their own failures (cmd::answer); this one broke that rule, and the
        // transport knows no reply format: the caller's deadline answers for it.
        log::error("request handler threw; no reply sent", {{"subject", message.subject}, {"error", e.what()}});
        return;
      }
      if (reply_to.empty()) return;
      if (natsStatus s = natsConnection_Publish(nc, reply_to.c_str(), reply.data(), static_cast<int>(reply.size()));
          s != NATS_OK)
        log::error("reply not sent", {{"subject", message.subject}, {"error", natsStatus_GetText(s)}});
    };
    if (!self->owner->post(std::move(job)))
      log::error("request dropped: the handlers are full or stopped", {{"subject", self->subject}});
  };
  // served_ holds it before the first callback can run; the callback gets its address.
  auto& served = *served_.emplace_back(std::make_unique<Served>(this, subject, std::move(handler)));
  natsSubscription* sub = nullptr;
  natsStatus s = natsConnection_QueueSubscribe(&sub, conn_.get(), subject.c_str(), queue.c_str(), on_message, &served);
  if (s != NATS_OK) {
    served_.pop_back();
    fail("serving " + subject, s);
  }
  served.sub.reset(sub);
  check(natsSubscription_SetOnCompleteCB(sub, Served::on_complete, &served), "serving " + subject);
}

bool Connection::post(std::function<void()> job) {
  std::lock_guard lock(handlers_mutex_);
  return handlers_ && handlers_->post(std::move(job));
}

// Ends every subscription of serve() (draining answers what it has already received; otherwise
// that is dropped), waits until the library says each one's last callback has returned, then
// lets the pool answer what they queued. After this no callback reaches the pool or a Served.
void Connection::stop_serving(bool drain, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& s : served_) {
    if (s->completed()) continue;
    natsStatus st = drain ? natsSubscription_DrainTimeout(s->sub.get(), timeout.count())
                          : natsSubscription_Unsubscribe(s->sub.get());
    // The subscription or the connection is closed already: its callbacks end without us.
    if (st != NATS_OK)
      log::warn("could not stop serving a subject", {{"subject", s->subject}, {"error", natsStatus_GetText(st)}});
  }
  for (auto& s : served_)
    if (!s->wait_completed(deadline))
      log::error("a subscription's callback is still running", {{"subject", s->subject}});
  std::unique_ptr<ThreadPool> pool;
  {
    std::lock_guard lock(handlers_mutex_);
    pool = std::move(handlers_);
  }
  pool.reset();  // runs what is queued; outside the lock, so that a late callback drops its message at once
}

void Connection::flush(std::chrono::milliseconds timeout) {
  check(natsConnection_FlushTimeout(conn_.get(), timeout.count()), "flushing to NATS");
}

void Connection::drain(std::chrono::milliseconds timeout) {
  if (natsConnection_IsClosed(conn_.get())) return;
  // Stop taking requests, and answer the ones already taken while the connection can still reply.
  stop_serving(true, timeout);
  if (natsStatus s = natsConnection_DrainTimeout(conn_.get(), timeout.count()); s != NATS_OK) {
    log::warn("NATS drain failed; closing", {{"error", natsStatus_GetText(s)}});
    natsConnection_Close(conn_.get());
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::milliseconds(100);
  while (!natsConnection_IsClosed(conn_.get()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  natsConnection_Close(conn_.get());
}

// ---- PullConsumer ----
PullConsumer::PullConsumer(Connection& connection, ConsumerSpec spec, Handler handler, int batch)
    : connection_(connection),
      spec_(std::move(spec)),
      handler_(std::move(handler)),
      batch_(batch),
      sub_(nullptr, natsSubscription_Destroy) {
  jsSubOptions so;
  check(jsSubOptions_Init(&so), "subscription options");
  so.Stream = spec_.stream.c_str();
  so.Consumer = spec_.durable.c_str();  // bind to the consumer ensure_consumer declared
  so.ManualAck = true;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PullSubscribe(&sub, connection_.jetstream(), spec_.filter_subject.c_str(), spec_.durable.c_str(),
                                  nullptr, &so, &jerr);
  if (s != NATS_OK) fail("binding pull consumer " + spec_.durable, s, jerr);
  sub_.reset(sub);
}

PullConsumer::~PullConsumer() = default;

std::chrono::milliseconds PullConsumer::backoff_for(const ConsumerSpec& spec, uint64_t delivered) {
  if (!spec.backoff.empty()) {
    auto i = std::min<uint64_t>(delivered == 0 ? 0 : delivered - 1, spec.backoff.size() - 1);
    return spec.backoff[i];
  }
  auto exp = std::min<uint64_t>(delivered == 0 ? 0 : delivered - 1, 6);
  return std::chrono::milliseconds(1000LL << exp);  // 1 s, 2 s, … capped at 64 s
}

void PullConsumer::run(std::stop_token stop) {
  auto last_error_log = std::chrono::steady_clock::time_point{};
  while (!stop.stop_requested()) {
    Fetched fetched;
    const natsMsgList& list = fetched.list;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&fetched.list, sub_.get(), batch_, 500, &jerr);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_error_log > std::chrono::seconds(10)) {
        log::warn("fetch failed; retrying", {{"consumer", spec_.durable}, {"error", natsStatus_GetText(s)}});
        last_error_log = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    bool settled = false;
    if (batch_handler_ && !stop.stop_requested() && list.Count > 1) {
      std::vector<Message> batch;
      for (int i = 0; i < list.Count; ++i) batch.push_back(read(list.Msgs[i]));
      try {
        auto dispositions = batch_handler_(batch);
        if (dispositions.size() != batch.size()) throw std::logic_error("one disposition per message");
        for (int i = 0; i < list.Count; ++i)
          settle(list.Msgs[i], batch[static_cast<size_t>(i)], dispositions[static_cast<size_t>(i)]);
        settled = true;
      } catch (const std::exception& e) {
        log::warn("batch failed; handling its messages one by one", {{"consumer", spec_.durable}, {"error", e.what()}});
      }
    }
    for (int i = 0; i < list.Count; ++i) {
      if (settled) {
        // already acked, naked or dead-lettered with the batch
      } else if (stop.stop_requested()) {
        // Hand it back at once rather than after ack_wait.
        warn_if_failed(natsMsg_Nak(list.Msgs[i], nullptr), "nak", spec_.durable, natsMsg_GetSubject(list.Msgs[i]));
      } else {
        handle(list.Msgs[i]);
      }
    }
  }
}

Message PullConsumer::read(void* raw) {
  auto* msg = static_cast<natsMsg*>(raw);
  Message m = to_message(msg);
  jsMsgMetaData* raw_meta = nullptr;
  natsStatus s = natsMsg_GetMetaData(&raw_meta, msg);
  MetaData meta(raw_meta);
  if (s != NATS_OK) {
    // Not from JetStream, it seems: counted as a first delivery, and it still gets settled.
    log::warn("message without JetStream metadata", {{"subject", m.subject}, {"error", natsStatus_GetText(s)}});
    return m;
  }
  m.stream_sequence = meta->Sequence.Stream;
  m.delivered = meta->NumDelivered;
  return m;
}

// The publisher's message id (the event id), else the stream sequence.
static std::string message_id(const Message& m) {
  auto it = m.headers.find("Nats-Msg-Id");
  return it != m.headers.end() ? it->second : std::to_string(m.stream_sequence);
}

void PullConsumer::handle(void* raw) {
  Message m = read(raw);
  log::Scope scope("event_id", message_id(m));
  Disposition d;
  try {
    d = handler_(m);
  } catch (const std::exception& e) {
    d = Disposition::retry(e.what());
  }
  settle(raw, m, d);
}

void PullConsumer::settle(void* raw, const Message& m, const Disposition& d) {
  auto* msg = static_cast<natsMsg*>(raw);
  if (d.kind == Disposition::Kind::ack) {
    warn_if_failed(natsMsg_Ack(msg, nullptr), "ack", spec_.durable, m.subject.c_str());
    return;
  }
  if (d.kind == Disposition::Kind::retry && m.delivered < static_cast<uint64_t>(spec_.max_deliver)) {
    auto delay = backoff_for(spec_, m.delivered);
    log::warn(
        "message will be redelivered",
        {{"consumer", spec_.durable}, {"delivered", m.delivered}, {"delay_ms", delay.count()}, {"reason", d.reason}});
    warn_if_failed(natsMsg_NakWithDelay(msg, delay.count(), nullptr), "nak", spec_.durable, m.subject.c_str());
    return;
  }
  // Rejected, or out of deliveries: park it on the dead-letter subject with the reason.
  auto headers = m.headers;
  headers.erase("Nats-Msg-Id");
  headers["Sdp-Dead-Letter-Reason"] = d.reason.empty() ? "rejected" : d.reason;
  headers["Sdp-Original-Subject"] = m.subject;
  headers["Sdp-Original-Sequence"] = std::to_string(m.stream_sequence);
  headers["Sdp-Delivered"] = std::to_string(m.delivered);
  headers["Sdp-Consumer"] = spec_.durable;
  try {
    connection_.publish(spec_.dead_letter_subject, m.data, spec_.durable + ":" + message_id(m), headers);
    log::error("message dead-lettered", {{"consumer", spec_.durable},
                                         {"subject", m.subject},
                                         {"reason", d.reason},
                                         {"dead_letter_subject", spec_.dead_letter_subject}});
    warn_if_failed(natsMsg_Term(msg, nullptr), "term", spec_.durable, m.subject.c_str());
  } catch (const std::exception& e) {
    // Keep it in the consumer rather than lose it; it comes back after the delay.
    log::error("dead-letter publish failed; keeping the message",
               {{"consumer", spec_.durable}, {"stream_sequence", m.stream_sequence}, {"error", e.what()}});
    warn_if_failed(natsMsg_NakWithDelay(msg, backoff_for(spec_, m.delivered).count(), nullptr), "nak", spec_.durable,
                   m.subject.c_str());
  }
}

}  // namespace sdp::nats
