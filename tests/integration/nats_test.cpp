// NATS and JetStream through the common kit, against real nats-server processes.
#include <gtest/gtest.h>

#include <nats/nats.h>

#include <mutex>
#include <set>
#include <thread>

#include "sdp/error.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace std::chrono_literals;

namespace {

nats::Topology topology(int max_deliver = 3) {
  return nats::Topology::from_json(nlohmann::json::parse(R"({
    "streams": [
      {"name": "T_EVENTS", "subjects": ["t.events.>"], "duplicate_window_seconds": 60},
      {"name": "T_DLQ", "subjects": ["t.dlq.>"]}
    ],
    "consumers": [
      {"durable": "worker", "stream": "T_EVENTS", "filter_subject": "t.events.>",
       "dead_letter_subject": "t.dlq.worker", "ack_wait_seconds": 5, "max_deliver": )" +
                                                         std::to_string(max_deliver) + R"(,
       "backoff_ms": [50, 100]}
    ],
    "commands": {"svc": "t.cmd.svc"}
  })"));
}

nats::Options options(const test::NatsServer& server) {
  nats::Options o;
  o.url = server.url();
  o.name = "test";
  o.reconnect_wait = 50ms;
  o.reconnect_jitter = 10ms;
  o.request_timeout = 2000ms;
  return o;
}

// Messages stored in a stream, read with a fresh ephemeral-free lookup of the stream state.
uint64_t stream_messages(nats::Connection& c, const std::string& stream) {
  jsStreamInfo* raw = nullptr;
  jsErrCode err{};
  natsStatus s = js_GetStreamInfo(&raw, c.jetstream(), stream.c_str(), nullptr, &err);
  nats::Handle<jsStreamInfo, jsStreamInfo_Destroy> info(raw);
  return s == NATS_OK ? info->State.Msgs : 0;
}

struct Seen {
  std::mutex m;
  std::vector<nats::Message> messages;
  void add(const nats::Message& msg) {
    std::lock_guard l(m);
    messages.push_back(msg);
  }
  size_t size() {
    std::lock_guard l(m);
    return messages.size();
  }
};

// Runs a pull consumer on its own thread for the life of the object.
struct RunningConsumer {
  nats::PullConsumer consumer;
  std::jthread thread;
  RunningConsumer(nats::Connection& c, const nats::ConsumerSpec& spec, nats::PullConsumer::Handler h)
      : consumer(c, spec, std::move(h), 8), thread([this](std::stop_token st) { consumer.run(st); }) {}
};

}  // namespace

TEST(Nats, DeclaringTheTopologyTwiceIsANoOp) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology();
  EXPECT_NO_THROW(c.ensure(t));
  EXPECT_NO_THROW(c.ensure(t));
  // A changed setting is applied to the existing consumer rather than refused.
  t.consumers["worker"].max_deliver = 4;
  EXPECT_NO_THROW(c.ensure(t));
  jsConsumerInfo* raw = nullptr;
  jsErrCode err{};
  ASSERT_EQ(js_GetConsumerInfo(&raw, c.jetstream(), "T_EVENTS", "worker", nullptr, &err), NATS_OK);
  nats::Handle<jsConsumerInfo, jsConsumerInfo_Destroy> info(raw);
  EXPECT_EQ(info->Config->MaxDeliver, 4);
}

TEST(Nats, AListOfServersConnectsToOneThatIsUp) {
  // A cluster's URLs, comma-separated (SDP_NATS_URL in deploy/cluster): the first is down.
  test::NatsServer server;
  auto o = options(server);
  o.url = "nats://127.0.0.1:1," + server.url();
  nats::Connection c(o);
  ASSERT_TRUE(test::eventually([&] { return c.connected(); })) << "the list was not taken as servers";
  EXPECT_NO_THROW(c.ensure(topology()));
}

TEST(Nats, APublishWithTheSameIdIsStoredOnce) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  c.ensure(topology());
  auto first = c.publish("t.events.a", R"({"n":1})", "event-1");
  auto again = c.publish("t.events.a", R"({"n":1})", "event-1");
  auto other = c.publish("t.events.a", R"({"n":2})", "event-2");
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.sequence, first.sequence);
  EXPECT_FALSE(other.duplicate);
  EXPECT_EQ(stream_messages(c, "T_EVENTS"), 2u);
}

TEST(Nats, ConsumerAcksAndRedeliversWithBackoff) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology();
  c.ensure(t);
  Seen seen;
  RunningConsumer rc(c, t.consumers.at("worker"), [&](const nats::Message& m) {
    seen.add(m);
    // The first delivery fails (a transient fault); the second succeeds.
    return m.delivered == 1 ? nats::Disposition::retry("database busy") : nats::Disposition::ack();
  });
  c.publish("t.events.x", "payload", "id-1", {{"Sdp-Trace", "abc"}});
  ASSERT_TRUE(test::eventually([&] { return seen.size() >= 2; }));
  std::this_thread::sleep_for(300ms);  // nothing more may come once it was acked
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.messages[0].delivered, 1u);
  EXPECT_EQ(seen.messages[1].delivered, 2u);
  EXPECT_EQ(seen.messages[1].data, "payload");
  EXPECT_EQ(seen.messages[1].headers["Sdp-Trace"], "abc");
  EXPECT_EQ(seen.messages[1].headers["Nats-Msg-Id"], "id-1");
  EXPECT_EQ(stream_messages(c, "T_DLQ"), 0u);
}

TEST(Nats, APoisonMessageGoesToTheDeadLetterSubjectWithItsReason) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology();
  c.ensure(t);
  Seen seen, dead;
  RunningConsumer rc(c, t.consumers.at("worker"), [&](const nats::Message& m) {
    seen.add(m);
    return m.data == "poison" ? nats::Disposition::reject("unknown criterion MS99") : nats::Disposition::ack();
  });
  c.publish("t.events.x", "poison", "id-p");
  c.publish("t.events.x", "good", "id-g");  // the stream is not blocked behind the poison
  ASSERT_TRUE(test::eventually([&] { return seen.size() >= 2 && stream_messages(c, "T_DLQ") == 1; }));

  natsMsg* raw = nullptr;
  jsErrCode err{};
  ASSERT_EQ(js_GetLastMsg(&raw, c.jetstream(), "T_DLQ", "t.dlq.worker", nullptr, &err), NATS_OK);
  nats::Handle<natsMsg, natsMsg_Destroy> msg(raw);
  const char* reason = nullptr;
  EXPECT_EQ(natsMsgHeader_Get(msg.get(), "Sdp-Dead-Letter-Reason", &reason), NATS_OK);
  const char* original = nullptr;
  EXPECT_EQ(natsMsgHeader_Get(msg.get(), "Sdp-Original-Subject", &original), NATS_OK);
  EXPECT_STREQ(reason, "unknown criterion MS99");
  EXPECT_STREQ(original, "t.events.x");
  EXPECT_EQ(std::string(natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get())), "poison");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(seen.size(), 2u);  // neither redelivered
}

TEST(Nats, ABatchHandlerTakesAWholeFetchAndFallsBackOneByOneWhenItThrows) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology();
  c.ensure(t);
  // 12 messages waiting before the consumer starts: a fetch of 8 (with "boom"), then one of 4.
  for (int i = 0; i < 12; ++i) {
    std::string body = i == 3 ? "boom" : i == 10 ? "poison" : "m" + std::to_string(i);
    c.publish("t.events.x", body, "id-" + std::to_string(i));
  }
  Seen single, batched;
  std::mutex m;
  std::vector<size_t> batch_sizes;
  nats::PullConsumer consumer(
      c, t.consumers.at("worker"),
      [&](const nats::Message& msg) {
        single.add(msg);
        return msg.data == "poison" ? nats::Disposition::reject("poison") : nats::Disposition::ack();
      },
      8);
  consumer.set_batch_handler([&](const std::vector<nats::Message>& batch) {
    {
      std::lock_guard l(m);
      batch_sizes.push_back(batch.size());
    }
    for (const auto& msg : batch)
      if (msg.data == "boom") throw std::runtime_error("the batch's transaction failed");
    std::vector<nats::Disposition> out;
    for (const auto& msg : batch) {
      batched.add(msg);
      out.push_back(msg.data == "poison" ? nats::Disposition::reject("poison") : nats::Disposition::ack());
    }
    return out;
  });
  std::jthread thread([&](std::stop_token st) { consumer.run(st); });

  ASSERT_TRUE(
      test::eventually([&] { return single.size() + batched.size() >= 12 && stream_messages(c, "T_DLQ") == 1; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(single.size(), 8u);   // the failed batch, one by one
  EXPECT_EQ(batched.size(), 4u);  // the next fetch at once, its poison dead-lettered on its own
  std::lock_guard l(m);
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{8, 4}));  // and nothing came back
}

TEST(Nats, RedeliveryIsBoundedThenDeadLettered) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology(3);
  c.ensure(t);
  Seen seen;
  RunningConsumer rc(c, t.consumers.at("worker"), [&](const nats::Message& m) -> nats::Disposition {
    seen.add(m);
    throw std::runtime_error("always fails");
  });
  c.publish("t.events.x", "doomed", "id-d");
  ASSERT_TRUE(test::eventually([&] { return stream_messages(c, "T_DLQ") == 1; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Nats, AStoppedConsumerAcksNothingUnfinished) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  auto t = topology();
  c.ensure(t);
  for (int i = 0; i < 5; ++i) c.publish("t.events.x", std::to_string(i), "id-" + std::to_string(i));
  Seen first;
  {
    RunningConsumer rc(c, t.consumers.at("worker"), [&](const nats::Message& m) {
      first.add(m);
      if (first.size() == 1) rc.thread.request_stop();  // stop arrives while the first is in hand
      return nats::Disposition::ack();
    });
    ASSERT_TRUE(test::eventually([&] { return first.size() >= 1; }));
  }
  ASSERT_EQ(first.size(), 1u);  // the one in hand was finished; the rest of the batch went back
  Seen second;
  RunningConsumer rc(c, t.consumers.at("worker"), [&](const nats::Message& m) {
    second.add(m);
    return nats::Disposition::ack();
  });
  ASSERT_TRUE(test::eventually([&] { return second.size() >= 4; }));
  std::set<std::string> data;
  for (auto& m : second.messages) data.insert(m.data);
  EXPECT_EQ(data, (std::set<std::string>{"1", "2", "3", "4"}));
}

TEST(Nats, RequestReplyWithAQueueGroupSharesTheLoad) {
  test::NatsServer server;
  nats::Connection a(options(server)), b(options(server)), client(options(server));
  ASSERT_TRUE(test::eventually([&] { return a.connected() && b.connected() && client.connected(); }));
  std::atomic<int> served_a{0}, served_b{0};
  auto subject = topology().command("svc", "echo");
  a.serve(subject, "svc", [&](const nats::Message& m) {
    ++served_a;
    return "a:" + m.data;
  });
  b.serve(subject, "svc", [&](const nats::Message& m) {
    ++served_b;
    return "b:" + m.data;
  });
  a.flush();  // both subscriptions are on the server before the first request
  b.flush();
  for (int i = 0; i < 40; ++i) {
    auto reply = client.request(subject, std::to_string(i));
    EXPECT_TRUE(reply == "a:" + std::to_string(i) || reply == "b:" + std::to_string(i)) << reply;
  }
  EXPECT_EQ(served_a + served_b, 40);
  EXPECT_GT(served_a.load(), 0);
  EXPECT_GT(served_b.load(), 0);
}

// drain() while requests pour in, again and again: no subscription callback may reach the handler
// pool while drain() takes it down. ThreadSanitizer (tests/run.sh --tsan) reports the race if one
// can; a plain build may crash. Every request a handler took is still answered.
TEST(Nats, DrainingWhileRequestsPourInIsSafeAndAnswersWhatWasTaken) {
  test::NatsServer server;
  nats::Connection client(options(server));
  ASSERT_TRUE(test::eventually([&] { return client.connected(); }));
  const auto subject = topology().command("svc", "echo");
  std::atomic<int> handled{0}, replies{0};
  client.serve("t.replies", "client", [&](const nats::Message&) {
    ++replies;
    return std::string();
  });
  client.flush();

  std::atomic<bool> flooding{true};
  std::vector<std::jthread> senders;
  for (int i = 0; i < 3; ++i)
    senders.emplace_back([&] {
      for (int n = 1; flooding; ++n) {
        if (natsConnection_PublishRequestString(client.raw(), subject.c_str(), "t.replies", "ping") != NATS_OK) break;
        // A round trip every 10 keeps the flood below what the server cuts off as a slow consumer.
        if (n % 10 == 0 && natsConnection_FlushTimeout(client.raw(), 2000) != NATS_OK) break;
      }
    });
  for (int round = 0; round < 20; ++round) {
    nats::Connection served(options(server));
    ASSERT_TRUE(test::eventually([&] { return served.connected(); }));
    const int before = handled;
    served.serve(subject, "svc", [&](const nats::Message& m) {
      ++handled;
      return m.data;
    });
    ASSERT_TRUE(test::eventually([&] { return handled > before; })) << "round " << round;  // the flood arrives
    served.drain(2s);
    EXPECT_FALSE(served.connected()) << "round " << round;
  }
  flooding = false;
  senders.clear();
  EXPECT_TRUE(test::eventually([&] { return replies == handled; })) << replies << " replies, " << handled << " handled";
}

TEST(Nats, ARequestNobodyServesIsATransientError) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  try {
    c.request("t.cmd.nobody.here", "{}", 500ms);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.source(), ErrorSource::nats);
    EXPECT_TRUE(e.transient()) << e.what();
  }
}

TEST(Nats, ReconnectsAfterARestartAndARepublishIsNotDuplicated) {
  test::NatsServer server;
  nats::Connection c(options(server));
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }));
  c.ensure(topology());
  c.publish("t.events.x", "before", "id-before");
  server.stop();
  ASSERT_TRUE(test::eventually([&] { return !c.connected(); }));
  // No ack while the server is away, so the caller cannot know whether the event was stored
  // (it waits in the reconnect buffer and may still arrive).
  EXPECT_THROW(c.publish("t.events.x", "during", "id-during"), Error);
  server.start();
  ASSERT_TRUE(test::eventually([&] { return c.connected(); }, 15s));
  // So it publishes again with the same id, as the outbox relay does: stored once either way.
  ASSERT_TRUE(test::eventually([&] {
    try {
      c.publish("t.events.x", "during", "id-during");
      return true;
    } catch (const Error&) {
      return false;  // JetStream may need a moment after the restart to recover the stream
    }
  }));
  c.publish("t.events.x", "after", "id-after");
  EXPECT_EQ(stream_messages(c, "T_EVENTS"), 3u);
}

TEST(Nats, ConnectingBeforeTheServerIsUpSucceedsLater) {
  auto port = test::free_port();
  nats::Options o;
  o.url = "nats://127.0.0.1:" + std::to_string(port);
  o.reconnect_wait = 50ms;
  nats::Connection c(o);
  EXPECT_FALSE(c.connected());
  auto dir = test::temp_dir("late-nats");
  test::Process server("nats-server", {"-a", "127.0.0.1", "-p", std::to_string(port), "-js", "-sd", dir.string()});
  EXPECT_TRUE(test::eventually([&] { return c.connected(); }, 15s));
}
