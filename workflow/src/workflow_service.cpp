#include "workflow_service.hpp"

#include "declarations.hpp"
#include "outbox.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/log.hpp"

namespace sdp::workflow {

namespace {
// Ten years either way: the tests that move the clock to fixed dates of 2026 keep working for years.
constexpr long kMaxClockOffset = 3653L * 24 * 3600;
// Open deadlines are looked for at the first pass and then this often (they wait for a new calendar).
constexpr int kOpenDeadlinePasses = 60;
}  // namespace

ServiceSpec spec() {
  return ServiceSpec{"workflow",
                     8081,
                     1,
                     {{"SDP_CLOCK_OFFSET_SECONDS",
                       "rehearsals and tests only: workflow's clock is the system's moved by this many seconds", "0",
                       check::integer(-kMaxClockOffset, kMaxClockOffset)},
                      {"SDP_PUBLICITY_POLL_MS", "how often the timers run (公示 ending, deadline and expert reminders)",
                       "1000", check::integer(10, 600000)},
                      {"SDP_OUTBOX_BATCH", "events the relay publishes per pass", "100", check::integer(1, 10000)},
                      {"SDP_COMMIT_LANES",
                       "creations and changes arriving together share a transaction: this many such batches at "
                       "once (each holds a database connection); 0, each change its own transaction",
                       "4", check::integer(0, 64)},
                      {"SDP_COMMIT_BATCH", "changes one such batch takes at most", "32", check::integer(1, 1000)}},
                     // More command threads than the others: a change waiting for its batch's commit holds one
                     // (without a connection), and the batches are as large as the changes waiting.
                     16,
                     24};
}

namespace {

// Everything the handlers share, alive as long as the runtime's workers and subscriptions.
struct Context {
  scoring::Scorer scorer;
  RegionCatalog regions;
  WorkingDays calendar;
  std::unique_ptr<OutboxRelay> relay;
  std::unique_ptr<Workflow> workflow;
};

}  // namespace

void setup(Runtime& runtime) {
  const auto& cfg = runtime.config();
  const auto& dir = runtime.schemas_dir();
  auto ctx = std::make_shared<Context>(
      Context{scoring::Scorer::load(dir), RegionCatalog::from_file((dir / "regions" / "shandong.json").string()),
              WorkingDays::from_file(dir / "calendar" / "working_days.json"), nullptr, nullptr});
  const Settings settings{cfg.seconds("SDP_CLOCK_OFFSET_SECONDS"), static_cast<int>(cfg.integer("SDP_COMMIT_LANES")),
                          static_cast<int>(cfg.integer("SDP_COMMIT_BATCH"))};
  if (settings.clock_offset.count() != 0)
    log::warn("workflow's clock is moved: for rehearsals and tests only",
              {{"offset_seconds", settings.clock_offset.count()}});
  ctx->relay =
      std::make_unique<OutboxRelay>(runtime.db(), runtime.nats(), static_cast<int>(cfg.integer("SDP_OUTBOX_BATCH")));
  ctx->workflow = std::make_unique<Workflow>(runtime.db(), ctx->scorer, ctx->regions, ctx->calendar, settings,
                                             [relay = ctx->relay.get()] { relay->notify(); });
  // Deadlines are counted in working days: a year the calendar lacks (on workflow's clock) stops the
  // start, with a message naming the State Council notice to add, rather than counting weekdays.
  const int this_year = static_cast<int>(
      Date{std::chrono::floor<std::chrono::days>(ctx->workflow->now() + std::chrono::hours(8))}.year());
  ctx->calendar.require(this_year, this_year);

  // The verb table: one typed command per verb (a new verb: a row here, its plan in plan.hpp).
  auto& nats = runtime.nats();
  const auto& topology = runtime.topology();
  auto by = [ctx](auto method) {
    return [ctx, method](const auto& command) { return (*ctx->workflow.*method)(command); };
  };
  // The gateway's readiness asks this: workflow answers only once its database is up.
  cmd::serve<cmd::Ping>(nats, topology, [&runtime](const cmd::Ping&) -> Result<cmd::Empty> {
    if (!runtime.db().ping()) return refuse(Problem::unavailable({"the database does not answer", "数据库无应答"}));
    return cmd::Empty{};
  });
  cmd::serve<cmd::CreateDeclaration>(nats, topology, by(&Workflow::create));
  cmd::serve<cmd::GetDeclaration>(nats, topology, by(&Workflow::get));
  cmd::serve<cmd::UpdateDeclaration>(nats, topology, by(&Workflow::update));
  cmd::serve<cmd::SubmitDeclaration>(nats, topology, by(&Workflow::submit));
  cmd::serve<cmd::WithdrawDeclaration>(nats, topology, by(&Workflow::withdraw));
  cmd::serve<cmd::DecideDeclaration>(nats, topology, by(&Workflow::decide));
  cmd::serve<cmd::ListDeclarations>(nats, topology, by(&Workflow::list));
  cmd::serve<cmd::PendingReviews>(nats, topology, by(&Workflow::pending));
  cmd::serve<cmd::DeclarationHistory>(nats, topology, by(&Workflow::history));
  cmd::serve<cmd::DeleteDeclaration>(nats, topology, by(&Workflow::remove));
  cmd::serve<cmd::DeclarationDiff>(nats, topology, by(&Workflow::diff));
  cmd::serve<cmd::Statistics>(nats, topology, by(&Workflow::stats));
  cmd::serve<cmd::CreateRound>(nats, topology, by(&Workflow::create_round));
  cmd::serve<cmd::ListRounds>(nats, topology, by(&Workflow::list_rounds));
  cmd::serve<cmd::GetRound>(nats, topology, by(&Workflow::get_round));
  cmd::serve<cmd::UpdateRound>(nats, topology, by(&Workflow::update_round));
  cmd::serve<cmd::GetRecommendations>(nats, topology, by(&Workflow::get_recommendations));
  cmd::serve<cmd::RankRecommendations>(nats, topology, by(&Workflow::rank_recommendations));
  cmd::serve<cmd::CreateExpert>(nats, topology, by(&Workflow::create_expert));
  cmd::serve<cmd::ListExperts>(nats, topology, by(&Workflow::list_experts));
  cmd::serve<cmd::AssignPanel>(nats, topology, by(&Workflow::assign_panel));
  cmd::serve<cmd::GetPanel>(nats, topology, by(&Workflow::get_panel));
  cmd::serve<cmd::PanelCandidates>(nats, topology, by(&Workflow::panel_candidates));
  cmd::serve<cmd::SubmitExpertReview>(nats, topology, by(&Workflow::review));
  cmd::serve<cmd::AssignedReviews>(nats, topology, by(&Workflow::assigned));
  cmd::serve<cmd::PublicNotices>(nats, topology, by(&Workflow::public_notices));
  cmd::serve<cmd::FileObjection>(nats, topology, by(&Workflow::file_objection));
  cmd::serve<cmd::ListObjections>(nats, topology, by(&Workflow::list_objections));
  cmd::serve<cmd::ResolveObjection>(nats, topology, by(&Workflow::resolve_objection));
  cmd::serve<cmd::AddFile>(nats, topology, by(&Workflow::add_file));
  cmd::serve<cmd::ListFiles>(nats, topology, by(&Workflow::list_files));
  cmd::serve<cmd::DeleteFile>(nats, topology, by(&Workflow::delete_file));
  cmd::serve<cmd::FileAccess>(nats, topology, by(&Workflow::file_access));
  cmd::serve<cmd::NamedBlobs>(nats, topology, by(&Workflow::named_blobs));
  cmd::serve<cmd::DeclarationDocument>(nats, topology, by(&Workflow::document));
  cmd::serve<cmd::VerifyDocument>(nats, topology, by(&Workflow::verify_document));

  runtime.add_worker("outbox-relay", [ctx](std::stop_token st) { ctx->relay->run(st); });
  // The timers: each pass selects what is due and acts on each row under its lock, so that with
  // several instances every timer fires once; they live in the rows, so they survive restarts.
  runtime.add_periodic_worker("timers", cfg.millis("SDP_PUBLICITY_POLL_MS"), [ctx, pass = 0]() mutable {
    if (pass++ % kOpenDeadlinePasses == 0)
      if (int n = ctx->workflow->fix_open_deadlines(); n > 0) log::info("open deadlines set", {{"declarations", n}});
    if (int n = ctx->workflow->end_due_publicity(); n > 0) log::info("publicity ended", {{"declarations", n}});
    if (int n = ctx->workflow->send_due_reminders(); n > 0) log::info("reminders sent", {{"declarations", n}});
    if (int n = ctx->workflow->send_panel_reminders(); n > 0) log::info("experts reminded", {{"panels", n}});
    if (pass % kOpenDeadlinePasses == 1)
      if (int n = ctx->workflow->purge_expired_replies(); n > 0) log::info("command replies purged", {{"replies", n}});
  });
}

}  // namespace sdp::workflow
