#pragma once
// The workflow's commands and queries on declarations (CONTRACT §3): each change is checked by
// the state machine, made in one transaction with its history entry and its outbox events, and
// guarded by the expected version. Replies are JSON: {"status", "body"} or {"status", "title",
// "detail", "errors"}, with the HTTP status the gateway answers with.

#include <chrono>
#include <expected>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sdp/db.hpp"
#include "sdp/json_schema.hpp"
#include "sdp/regions.hpp"
#include "sdp/scoring/scorer.hpp"
#include "state_machine.hpp"

namespace sdp::workflow {

// Who sent a command: the claims of the token the gateway verified.
struct Caller {
  std::string sub;
  Role role = Role::applicant;
  std::string org;           // applicants
  std::optional<Tier> tier;  // reviewers
  std::string region;        // reviewers
  static std::expected<Caller, std::string> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

struct Schemas {
  JsonSchema create, update, decision;
  static Schemas load(const std::filesystem::path& schemas_dir);
};

struct Settings {
  std::chrono::seconds publicity{5 * 24 * 3600};
  int max_page = 100;
};

class Workflow {
 public:
  Workflow(db::Pool& pool, const scoring::Scorer& scorer, const RegionCatalog& regions, const Schemas& schemas,
           Settings settings, std::function<void()> outbox_written);

  // Runs the command `verb` ("create", "get", …) on a request {"actor": {...}, ...}; never throws
  // for bad input, only for infrastructure failures (sdp::Error).
  nlohmann::json handle(const std::string& verb, const nlohmann::json& request);

  // Moves every declaration whose publicity has ended to approved; returns how many.
  int end_due_publicity();

  // Attaches a score.computed event's score unless a newer version's is there; false for a duplicate.
  bool attach_score(const std::string& event_id, const std::string& declaration_id, int64_t version,
                    const nlohmann::json& score);

 private:
  nlohmann::json create(const Caller& caller, const nlohmann::json& request);
  nlohmann::json change(const Caller& caller, const nlohmann::json& request, Action action);
  nlohmann::json get(const Caller& caller, const nlohmann::json& request);
  nlohmann::json list(const Caller& caller, const nlohmann::json& request, bool pending);
  nlohmann::json history(const Caller& caller, const nlohmann::json& request);
  nlohmann::json stats(const Caller& caller);

  db::Pool& pool_;
  const scoring::Scorer& scorer_;
  const RegionCatalog& regions_;
  const Schemas& schemas_;
  Settings settings_;
  std::function<void()> outbox_written_;
};

}  // namespace sdp::workflow
