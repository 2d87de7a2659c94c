#include "notify_service.hpp"

#include "notifier.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/crypto.hpp"
#include "sdp/files.hpp"
#include "sdp/log.hpp"

namespace sdp::notify {

ServiceSpec spec() {
  return ServiceSpec{
      "notify",
      8083,
      1,
      {{"SDP_NOTIFY_SEAL_KEY", "64 hex digits: the key webhook secrets are sealed with at rest (or _FILE)",
        std::nullopt,
        [](const std::string& v) -> std::string {
          auto k = crypto::from_hex(v);
          return k && k->size() == 32 ? "" : "must be 64 hex digits";
        },
        true},
       {"SDP_NOTIFY_ALLOW_PRIVATE_URLS", "true to allow webhooks to loopback and private addresses (local stack)",
        "false", check::one_of({"true", "false"})},
       {"SDP_NOTIFY_DELIVERY_THREADS", "deliveries sent at once by this instance", "8", check::integer(1, 64)},
       {"SDP_NOTIFY_PER_RECEIVER", "deliveries in flight to one receiver at most", "4", check::integer(1, 64)},
       {"SDP_NOTIFY_BACKOFF_BASE_MS", "first retry delay (doubles each time, ±20 % jitter)", "5000",
        check::integer(1, 3600000)},
       {"SDP_NOTIFY_BACKOFF_MAX_MS", "longest retry delay", "3600000", check::integer(1, 86400000)},
       {"SDP_NOTIFY_MAX_ATTEMPTS", "attempts before a delivery is dead-lettered", "30", check::integer(1, 1000)},
       {"SDP_NOTIFY_TIMEOUT_MS", "how long one delivery may take", "10000", check::integer(100, 120000)},
       {"SDP_SMTP_URL", "smtp://host:port of the mail server; empty: no e-mail", "", nullptr},
       {"SDP_SMTP_FROM", "the sender address of e-mail", "noreply@sdp.local", check::non_empty()},
       {"SDP_REVIEWER_MAILBOXES",
        "path of a JSON file mapping \"county:370102\", \"city:370100\", \"province:370000\" to reviewers' e-mail "
        "addresses, for deadline reminders; empty: reviewers get no e-mail",
        "", [](const std::string& v) { return v.empty() ? std::string() : check::existing_path()(v); }}}};
}

namespace {
struct Context {
  Templates templates;
  RegionCatalog regions;
  EventSchemas schemas;
  DeliverySettings settings;
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<Deliverer> deliverer;
};

// Each command answered by the Notifier's overload for it.
template <class... Command>
void serve(Runtime& runtime, const std::shared_ptr<Context>& ctx) {
  (cmd::serve<Command>(runtime.nats(), runtime.topology(),
                       [ctx](const Command& c) { return ctx->notifier->answer(c); }),
   ...);
}

}  // namespace

void setup(Runtime& runtime) {
  const auto& cfg = runtime.config();
  const auto& dir = runtime.schemas_dir();
  DeliverySettings s;
  s.backoff_base = cfg.millis("SDP_NOTIFY_BACKOFF_BASE_MS");
  s.backoff_max = cfg.millis("SDP_NOTIFY_BACKOFF_MAX_MS");
  s.max_attempts = static_cast<int>(cfg.integer("SDP_NOTIFY_MAX_ATTEMPTS"));
  s.per_receiver = static_cast<int>(cfg.integer("SDP_NOTIFY_PER_RECEIVER"));
  s.timeout = cfg.millis("SDP_NOTIFY_TIMEOUT_MS");
  s.allow_private = cfg.str("SDP_NOTIFY_ALLOW_PRIVATE_URLS") == "true";
  s.seal_key = *crypto::from_hex(cfg.str("SDP_NOTIFY_SEAL_KEY"));
  s.smtp_url = cfg.str("SDP_SMTP_URL");
  s.smtp_from = cfg.str("SDP_SMTP_FROM");

  auto ctx =
      std::make_shared<Context>(Context{Templates::from_json(read_json_file(dir / "notify" / "templates.json")),
                                        RegionCatalog::from_file((dir / "regions" / "shandong.json").string()),
                                        EventSchemas{JsonSchema::from_file(dir / "events" / "envelope.schema.json"),
                                                     JsonSchema::from_file(dir / "events" / "declaration.schema.json")},
                                        s, nullptr, nullptr});
  // A bad mailbox file stops the start, naming the entry at fault.
  Mailboxes mailboxes;
  if (const auto& path = cfg.str("SDP_REVIEWER_MAILBOXES"); !path.empty())
    mailboxes = read_mailboxes(read_json_file(path), ctx->regions);
  ctx->notifier =
      std::make_unique<Notifier>(runtime.db(), ctx->templates, ctx->regions, ctx->settings, std::move(mailboxes));
  ctx->deliverer = std::make_unique<Deliverer>(runtime.db(), ctx->settings);
  log::info("notify configured", {{"email", !s.smtp_url.empty()},
                                  {"allow_private_urls", s.allow_private},
                                  {"reviewer_mailboxes", !cfg.str("SDP_REVIEWER_MAILBOXES").empty()}});

  serve<cmd::Inbox, cmd::MarkRead, cmd::MarkManyRead, cmd::GetWebhook, cmd::SetWebhook, cmd::DeadDeliveries,
        cmd::ReplayDeliveries>(runtime, ctx);

  auto consumer = std::make_shared<nats::PullConsumer>(
      runtime.nats(), runtime.topology().consumers.at("notify"), [ctx](const nats::Message& m) {
        auto event = read_event(m.data, ctx->schemas);
        if (!event) return nats::Disposition::reject(event.error());
        auto recorded = ctx->notifier->on_event(*event);
        if (recorded.fresh)
          ctx->deliverer->wake(recorded.deliveries);
        else
          log::info("event already notified", {{"declaration_id", event->declaration_id}});
        return nats::Disposition::ack();
      });
  // A whole fetch in one transaction: one commit for many events when they come quickly.
  consumer->set_batch_handler([ctx](const std::vector<nats::Message>& batch) {
    std::vector<nats::Disposition> out;
    std::vector<Event> events;
    for (const auto& m : batch) {
      auto event = read_event(m.data, ctx->schemas);
      if (!event) {
        out.push_back(nats::Disposition::reject(event.error()));
        continue;
      }
      events.push_back(std::move(*event));
      out.push_back(nats::Disposition::ack());
    }
    if (!events.empty()) ctx->deliverer->wake(ctx->notifier->on_events(events).deliveries);
    return out;
  });
  runtime.add_worker("event-consumer", [consumer](std::stop_token st) { consumer->run(st); });
  for (int i = 0; i < cfg.integer("SDP_NOTIFY_DELIVERY_THREADS"); ++i)
    runtime.add_worker("delivery-" + std::to_string(i), [ctx](std::stop_token st) { ctx->deliverer->run(st); });
}

}  // namespace sdp::notify
