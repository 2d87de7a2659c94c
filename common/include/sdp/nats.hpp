#pragma once
// NATS and JetStream: a reconnecting connection, the stream/consumer topology declared
// idempotently from data, publish with a message id, a pull-consumer loop with explicit ack,
// bounded redelivery and a dead-letter subject, and request–reply with queue groups.
// natsStatus and jsErrCode become sdp::Error here and nowhere else.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sdp/thread_pool.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __jsCtx;

namespace sdp::nats {

// A C handle of the NATS library that its _Destroy function frees, e.g. Handle<natsMsg, natsMsg_Destroy>.
template <class T, void (*Destroy)(T*)>
struct Destroyer {
  void operator()(T* p) const { Destroy(p); }
};
template <class T, void (*Destroy)(T*)>
using Handle = std::unique_ptr<T, Destroyer<T, Destroy>>;

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  std::string description;
  bool memory = false;                         // file storage unless true
  std::chrono::seconds duplicate_window{600};  // JetStream de-duplication by message id
  std::chrono::seconds max_age{0};             // 0: keep forever
  int replicas = 1;                            // copies kept by a JetStream cluster
};

struct ConsumerSpec {
  std::string stream;
  std::string durable;
  std::string filter_subject;
  std::chrono::seconds ack_wait{30};
  int max_deliver = 5;                               // deliveries before the dead-letter subject
  std::vector<std::chrono::milliseconds> backoff{};  // redelivery delays, by attempt
  int max_ack_pending = 1000;
  std::string dead_letter_subject;  // where poison messages go
  int replicas = 0;                 // 0: the stream's
};

// The streams and consumers of the platform, as loaded from schemas/nats/topology.json.
struct Topology {
  std::vector<StreamSpec> streams;
  std::map<std::string, ConsumerSpec> consumers;  // by durable name
  std::map<std::string, std::string> commands;    // service -> subject prefix of its request–reply commands
  // The subject of `service`'s command `verb`, e.g. ("workflow", "ping") -> "sdp.cmd.workflow.ping".
  std::string command(const std::string& service, const std::string& verb) const;
  // Every stream and consumer kept in `n` copies: 1 on one server, 3 on a 3-node cluster.
  void set_replicas(int n);
  static Topology from_json(const nlohmann::json& j);
  static Topology from_file(const std::filesystem::path& path);
};

struct Options {
  std::string url = "nats://127.0.0.1:4222";
  std::string name;  // shows in the server's connz
  std::chrono::milliseconds reconnect_wait{250};
  std::chrono::milliseconds reconnect_jitter{250};
  std::chrono::milliseconds request_timeout{5000};
  int handler_threads = 8;  // for serve()
};

struct Message {
  std::string subject;
  std::string data;
  std::map<std::string, std::string> headers;
  uint64_t stream_sequence = 0;
  uint64_t delivered = 1;  // 1 on first delivery
};

struct PublishAck {
  uint64_t sequence = 0;
  bool duplicate = false;  // JetStream had this message id already
};

// What a consumer's handler decided about one message.
struct Disposition {
  enum class Kind { ack, retry, reject } kind = Kind::ack;
  std::string reason;  // for retry and reject: logged, and carried to the dead-letter subject
  static Disposition ack() { return {}; }
  static Disposition retry(std::string why) { return {Kind::retry, std::move(why)}; }
  static Disposition reject(std::string why) { return {Kind::reject, std::move(why)}; }
};

class Connection {
 public:
  // Connects (or keeps trying in the background if the server is not up yet) and reconnects forever.
  explicit Connection(const Options& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const;

  // Creates the stream or brings its configuration up to date; safe to call from every instance.
  void ensure_stream(const StreamSpec& spec);
  void ensure_consumer(const ConsumerSpec& spec);
  void ensure(const Topology& topology);

  // Publishes to JetStream with `message_id` as Nats-Msg-Id; waits for the stream's ack.
  PublishAck publish(const std::string& subject, const std::string& data, const std::string& message_id,
                     const std::map<std::string, std::string>& headers = {});

  // Core request–reply. Throws sdp::Error (transient) on timeout or when nobody serves the subject.
  std::string request(const std::string& subject, const std::string& data,
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Serves `subject` in queue group `queue`: instances share the load. The handler returns the reply.
  // Handlers run on a pool of `handler_threads` (Options) shared by every subject served, so that
  // one slow command does not hold up the others.
  using RequestHandler = std::function<std::string(const Message&)>;
  void serve(const std::string& subject, const std::string& queue, RequestHandler handler);

  // Stops taking requests, lets in-flight handlers finish, flushes and closes.
  void drain(std::chrono::milliseconds timeout);
  // Sends what is buffered and waits for the server to have it. Throws sdp::Error.
  void flush(std::chrono::milliseconds timeout = std::chrono::seconds(2));

  __natsConnection* raw() const { return conn_.get(); }
  __jsCtx* jetstream() const { return js_.get(); }

 private:
  struct ConnDeleter {
    void operator()(__natsConnection*) const;
  };
  struct JsDeleter {
    void operator()(__jsCtx*) const;
  };
  struct SubDeleter {
    void operator()(__natsSubscription*) const;
  };
  struct Served;
  bool post(std::function<void()> job);  // to handlers_; false when it is full or gone
  void stop_serving(bool drain, std::chrono::milliseconds timeout);

  Options options_;
  std::unique_ptr<__natsConnection, ConnDeleter> conn_;
  std::unique_ptr<__jsCtx, JsDeleter> js_;
  std::vector<std::unique_ptr<Served>> served_;
  std::mutex handlers_mutex_;  // subscription callbacks post while stop_serving() takes the pool down
  std::unique_ptr<ThreadPool> handlers_;
};

// A durable pull consumer: fetches in batches, hands each message to the handler, acks, naks with
// back-off, and moves a message that is rejected or out of deliveries to the dead-letter subject.
class PullConsumer {
 public:
  using Handler = std::function<Disposition(const Message&)>;
  // All the messages of one fetch at once (say, in one database transaction): one disposition per
  // message, in order. When it throws, the messages go one by one through the single handler, so a
  // poison message is still found and dead-lettered on its own.
  using BatchHandler = std::function<std::vector<Disposition>(const std::vector<Message>&)>;
  PullConsumer(Connection& connection, ConsumerSpec spec, Handler handler, int batch = 32);
  ~PullConsumer();
  void set_batch_handler(BatchHandler handler) { batch_handler_ = std::move(handler); }
  // Runs until `stop` is requested; the message in hand is finished first, nothing unfinished is acked.
  void run(std::stop_token stop);

  // The delay before redelivery number `delivered` + 1 (pure; exposed for tests).
  static std::chrono::milliseconds backoff_for(const ConsumerSpec& spec, uint64_t delivered);

 private:
  static Message read(void* msg);                                  // natsMsg*, with its metadata
  void settle(void* msg, const Message& m, const Disposition& d);  // ack, nak or dead-letter
  void handle(void* msg);
  Connection& connection_;
  ConsumerSpec spec_;
  Handler handler_;
  BatchHandler batch_handler_;
  int batch_;
  std::unique_ptr<__natsSubscription, void (*)(__natsSubscription*)> sub_;
};

}  // namespace sdp::nats
