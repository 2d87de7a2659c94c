#include "scoring_service.hpp"

#include "sdp/command_bus.hpp"
#include "sdp/log.hpp"

namespace sdp::scoring {

ServiceSpec spec() { return ServiceSpec{"scoring", 8082, 1, {}}; }

Result<cmd::Document> preview(const Scorer& scorer, const cmd::PreviewScore& command) {
  std::vector<Verdict> verdicts;
  if (command.verified) verdicts.push_back({"preview", *command.verified});
  auto score = scorer.score(command.kind, command.payload, verdicts);
  if (!score) return refuse(Problem::invalid(std::move(score.error())));
  return cmd::Document{std::move(*score)};
}

void setup(Runtime& runtime) {
  auto scorer = std::make_shared<const Scorer>(Scorer::load(runtime.schemas_dir()));
  log::info("models loaded", {{"morning_star", scorer->morning_star_model().id.version},
                              {"industry_brain", scorer->industry_brain_model().id.version}});
  cmd::serve<cmd::PreviewScore>(runtime.nats(), runtime.topology(),
                                [scorer](const cmd::PreviewScore& c) { return preview(*scorer, c); });
}

}  // namespace sdp::scoring
