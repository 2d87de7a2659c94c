#include "scoring_service.hpp"

#include "sdp/crypto.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"
#include "sdp/time.hpp"

namespace sdp::scoring {
namespace {

constexpr const char* kConsumer = "scoring";

nlohmann::json problems_json(const Problems& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems)
    out.push_back({{"pointer", p.pointer}, {"message", p.message}, {"message_zh", p.message_zh}});
  return out;
}

// A 400 reply in both languages; the gateway picks one (CONTRACT §3).
nlohmann::json invalid(const Problems& problems) {
  return {{"status", 400},
          {"title", "The request is not valid"},
          {"title_zh", "提交的内容有误"},
          {"errors", problems_json(problems)}};
}

std::vector<Verdict> verdicts_of(const nlohmann::json& scoring) {
  std::vector<Verdict> out;
  for (const auto& v : scoring.value("verdicts", nlohmann::json::array()))
    out.push_back({v["tier"].get<std::string>(), v["verified"]});
  return out;
}

}  // namespace

ServiceSpec spec() { return ServiceSpec{"scoring", 8082, 1, {}}; }

std::expected<std::optional<Event>, std::string> score_event_for(const Scorer& scorer, const JsonSchema& request_schema,
                                                                 const Event& source, const std::string& now) {
  if (!source.data.contains("scoring")) return std::optional<Event>{};
  const auto& request = source.data["scoring"];
  if (auto problems = request_schema.validate(request); !problems.empty())
    return std::unexpected("data.scoring" + problems.front().pointer + ": " + problems.front().message);
  auto kind = *parse_kind(request["kind"].get<std::string>());
  auto score = scorer.score(kind, request["payload"], verdicts_of(request));
  if (!score) {
    std::string why = "the declaration cannot be scored:";
    for (const auto& p : score.error()) why += " " + p.pointer + " " + p.message + ";";
    return std::unexpected(why);
  }
  Event e;
  e.id = "score-" + crypto::sha256_hex(source.id).substr(0, 40);
  e.type = "score.computed";
  e.declaration_id = source.declaration_id;
  e.version = source.version;
  e.occurred_at = now;
  e.actor = {{"role", "system"}, {"sub", "scoring"}};
  e.data = {{"kind", name(kind)}, {"score", *score}, {"source_event_id", source.id}};
  return std::optional<Event>{std::move(e)};
}

nlohmann::json preview(const Scorer& scorer, const nlohmann::json& request) {
  auto kind = request.is_object() && request.contains("kind") && request["kind"].is_string()
                  ? parse_kind(request["kind"].get<std::string>())
                  : std::nullopt;
  if (!kind)
    return invalid({{"/kind", "must be morning_star or industry_brain",
                     "必须是 morning_star（晨星工厂）或 industry_brain（产业大脑）"}});
  if (!request.contains("payload") || !request["payload"].is_object())
    return invalid({{"/payload", "must be an object", "必须是对象"}});
  std::vector<Verdict> verdicts;
  if (request.contains("verified")) verdicts.push_back({"preview", request["verified"]});
  auto score = scorer.score(*kind, request["payload"], verdicts);
  if (!score) return invalid(score.error());
  return {{"status", 200}, {"body", *score}};
}

void setup(Runtime& runtime) {
  auto scorer = std::make_shared<const Scorer>(Scorer::load(runtime.schemas_dir()));
  auto envelope = std::make_shared<const JsonSchema>(
      JsonSchema::from_file(runtime.schemas_dir() / "events" / "envelope.schema.json"));
  auto request = std::make_shared<const JsonSchema>(
      JsonSchema::from_file(runtime.schemas_dir() / "events" / "scoring_request.schema.json"));
  log::info("models loaded", {{"morning_star", scorer->morning_star_model().id.version},
                              {"industry_brain", scorer->industry_brain_model().id.version}});

  runtime.nats().serve(runtime.topology().command("scoring", "preview"), "scoring", [scorer](const nats::Message& m) {
    auto request = parse_json(m.data);
    return (request ? preview(*scorer, *request) : refused_message(request.error())).dump();
  });

  auto consumer = std::make_shared<nats::PullConsumer>(
      runtime.nats(), runtime.topology().consumers.at(kConsumer),
      [&runtime, scorer, envelope, request](const nats::Message& m) -> nats::Disposition {
        auto event = parse_event(m.data, *envelope);
        if (!event)
          return nats::Disposition::reject("not an event envelope: " + event.error().front().pointer + " " +
                                           event.error().front().message);
        auto outcome = score_event_for(*scorer, *request, *event, now_rfc3339());
        if (!outcome) return nats::Disposition::reject(outcome.error());
        if (!*outcome) return nats::Disposition::ack();  // nothing to score in this event
        const auto& score = **outcome;
        // Once per source event, even past JetStream's de-duplication window: the mark and the
        // publish commit together or not at all.
        bool published = db::transaction(runtime.db(), [&](db::Connection& c) {
          if (!db::mark_processed(c, kConsumer, event->id)) return false;
          runtime.nats().publish(score.subject(), score.to_json().dump(), score.id);
          return true;
        });
        metrics::global().inc("sdp_scores_total", {{"kind", score.data["kind"].get<std::string>()},
                                                   {"outcome", published ? "published" : "duplicate"}});
        log::info(published ? "score published" : "event already scored",
                  {{"declaration_id", event->declaration_id}, {"version", event->version}, {"score_event", score.id}});
        return nats::Disposition::ack();
      });
  runtime.add_worker("scoring-consumer", [consumer](std::stop_token st) { consumer->run(st); });
}

}  // namespace sdp::scoring
