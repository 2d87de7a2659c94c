#pragma once
// The reply record of a change under a request key (commands.hpp, workflow migration 0020): the
// successful reply is written in the change's own transaction and answered again for 24 hours, so a
// retry after a lost reply gets the first response and changes nothing twice.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "group_commit.hpp"
#include "sdp/commands.hpp"
#include "sdp/db.hpp"

namespace sdp::workflow {

// The reply recorded under `key` within the last 24 hours (CONTRACT §3); an older one is deleted.
std::optional<nlohmann::json> reply_under(db::Connection& c, const std::string& key,
                                          std::chrono::system_clock::time_point now);
// Records `reply` under `key`, in the caller's transaction; a twin's record fails as a duplicate key.
void record_reply(db::Connection& c, const std::string& key, std::string_view verb,
                  const std::optional<std::string>& declaration_id, const nlohmann::json& reply,
                  std::chrono::system_clock::time_point now);
// Deletes at most `limit` records older than 24 hours; returns how many.
int purge_replies(db::Pool& pool, std::chrono::system_clock::time_point now, int limit = 1000);

// Runs `work(connection) -> Result<C::Reply>` in one transaction. Under the command's request key,
// the reply recorded for it is answered without running `work`, and a success is recorded with it.
// A refusal is not recorded; one met because a twin under the key got there first (the change is
// made, its row lock waited for) answers the twin's reply, as does a twin's record committed first.
// With `commits`, the transaction is one of its group commits (group_commit.hpp).
template <class C, class Work>
Result<typename C::Reply> once_per_key(db::Pool& pool, GroupCommit& commits, const C& command,
                                       const std::optional<std::string>& declaration_id,
                                       std::chrono::system_clock::time_point now, Work&& work) {
  using Reply = typename C::Reply;
  if (!command.request_key) return commits.transaction(work);
  const std::string& key = *command.request_key;
  auto recorded = [&](db::Connection& c) -> std::optional<Result<Reply>> {
    auto reply = reply_under(c, key, now);
    if (!reply) return std::nullopt;
    return cmd::from_json(*reply, cmd::Tag<Reply>{});
  };
  try {
    return commits.transaction([&](db::Connection& c) -> Result<Reply> {
      if (auto before = recorded(c)) return std::move(*before);
      auto done = work(c);
      if (done)
        record_reply(c, key, C::verb, declaration_id, cmd::to_json(*done), now);
      else if (auto twin = recorded(c))  // read committed: a twin that made the change meanwhile
        return std::move(*twin);
      return done;
    });
  } catch (const std::exception& e) {
    if (!db::is_duplicate_key(e)) throw;
    auto lease = pool.acquire();
    if (auto twin = recorded(*lease)) return std::move(*twin);
    throw;
  }
}

template <class C, class Work>
Result<typename C::Reply> once_per_key(db::Pool& pool, const C& command,
                                       const std::optional<std::string>& declaration_id,
                                       std::chrono::system_clock::time_point now, Work&& work) {
  GroupCommit alone(pool, 0, 1);
  return once_per_key(pool, alone, command, declaration_id, now, std::forward<Work>(work));
}

}  // namespace sdp::workflow
