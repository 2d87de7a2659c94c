#include "workflow_service.hpp"

#include "declarations.hpp"
#include "outbox.hpp"
#include "sdp/error.hpp"
#include "sdp/event.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp::workflow {

ServiceSpec spec() {
  return ServiceSpec{
      "workflow",
      8081,
      1,
      {{"SDP_PUBLICITY_SECONDS", "length of the public-notice period (公示) after the province approves", "432000",
        check::integer(1, 90 * 24 * 3600)},
       {"SDP_PUBLICITY_POLL_MS", "how often due publicity periods are ended", "1000", check::integer(10, 600000)},
       {"SDP_OUTBOX_BATCH", "events the relay publishes per pass", "100", check::integer(1, 10000)}}};
}

namespace {

// Everything the handlers share, alive as long as the runtime's workers and subscriptions.
struct Context {
  scoring::Scorer scorer;
  RegionCatalog regions;
  Schemas schemas;
  JsonSchema envelope, score_data;
  std::unique_ptr<OutboxRelay> relay;
  std::unique_ptr<Workflow> workflow;
};

}  // namespace

void setup(Runtime& runtime) {
  const auto& cfg = runtime.config();
  const auto& dir = runtime.schemas_dir();
  auto ctx = std::make_shared<Context>(
      Context{scoring::Scorer::load(dir), RegionCatalog::from_file((dir / "regions" / "shandong.json").string()),
              Schemas::load(dir), JsonSchema::from_file(dir / "events" / "envelope.schema.json"),
              JsonSchema::from_file(dir / "events" / "score.computed.schema.json"), nullptr, nullptr});
  ctx->relay =
      std::make_unique<OutboxRelay>(runtime.db(), runtime.nats(), static_cast<int>(cfg.integer("SDP_OUTBOX_BATCH")));
  Settings settings;
  settings.publicity = cfg.seconds("SDP_PUBLICITY_SECONDS");
  ctx->workflow = std::make_unique<Workflow>(runtime.db(), ctx->scorer, ctx->regions, ctx->schemas, settings,
                                             [relay = ctx->relay.get()] { relay->notify(); });

  // The gateway's readiness asks this: workflow answers only once its database and NATS are up.
  runtime.nats().serve(runtime.topology().command("workflow", "ping"), "workflow", [&runtime](const nats::Message&) {
    return runtime.db().ping() ? std::string(R"({"status":200})") : std::string(R"({"status":503})");
  });
  for (const char* verb : kVerbs) {
    runtime.nats().serve(
        runtime.topology().command("workflow", verb), "workflow",
        [ctx, verb = std::string(verb)](const nats::Message& m) {
          auto start = std::chrono::steady_clock::now();
          auto request = parse_json(m.data);
          nlohmann::json reply;
          if (!request) {
            reply = refused_message(request.error());
          } else {
            try {
              reply = ctx->workflow->handle(verb, *request);
            } catch (const Error& e) {
              log::error("command failed", {{"command", verb}, {"error", e.what()}});
              reply = {{"status", 503}, {"title", "A dependency is unavailable"}, {"retry_after", 1}};
            }
          }
          auto status = reply.value("status", 500);
          metrics::global().inc("sdp_workflow_commands_total", {{"command", verb}, {"status", std::to_string(status)}});
          metrics::global().observe("sdp_workflow_command_seconds", {{"command", verb}},
                                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
          return reply.dump();
        });
  }

  // Scores come back from the scoring service; a stale one never overwrites a newer version's.
  auto scores = std::make_shared<nats::PullConsumer>(
      runtime.nats(), runtime.topology().consumers.at("workflow-scores"), [ctx](const nats::Message& m) {
        auto event = parse_event(m.data, ctx->envelope);
        if (!event) return nats::Disposition::reject("not an event envelope: " + event.error().front().message);
        if (event->type != "score.computed") return nats::Disposition::ack();
        if (auto problems = ctx->score_data.validate(event->data); !problems.empty())
          return nats::Disposition::reject("score.computed data" + problems.front().pointer + ": " +
                                           problems.front().message);
        bool fresh =
            ctx->workflow->attach_score(event->id, event->declaration_id, event->version, event->data["score"]);
        if (!fresh) log::info("score already attached", {{"declaration_id", event->declaration_id}});
        return nats::Disposition::ack();
      });
  runtime.add_worker("score-consumer", [scores](std::stop_token st) { scores->run(st); });
  runtime.add_worker("outbox-relay", [ctx](std::stop_token st) { ctx->relay->run(st); });

  runtime.add_periodic_worker("publicity-timer", cfg.millis("SDP_PUBLICITY_POLL_MS"), [ctx] {
    if (int n = ctx->workflow->end_due_publicity(); n > 0) log::info("publicity ended", {{"declarations", n}});
  });
}

}  // namespace sdp::workflow
