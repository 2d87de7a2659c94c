#include "replies.hpp"

#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {
constexpr auto kReplyLife = std::chrono::hours(24);  // an Idempotency-Key's (CONTRACT §3)
}

std::optional<nlohmann::json> reply_under(db::Connection& c, const std::string& key,
                                          std::chrono::system_clock::time_point now) {
  c.execute("DELETE FROM command_replies WHERE request_key = ? AND created_at < ?", {key, db_time(now - kReplyLife)});
  auto r = c.query("SELECT reply FROM command_replies WHERE request_key = ?", {key});
  if (!r.next()) return std::nullopt;
  return nlohmann::json::parse(r.str("reply"));
}

void record_reply(db::Connection& c, const std::string& key, std::string_view verb,
                  const std::optional<std::string>& declaration_id, const nlohmann::json& reply,
                  std::chrono::system_clock::time_point now) {
  c.execute(
      "INSERT INTO command_replies (request_key, verb, declaration_id, reply, created_at) VALUES (?, ?, ?, ?, ?)",
      {key, verb, declaration_id, reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), db_time(now)});
}

int purge_replies(db::Pool& pool, std::chrono::system_clock::time_point now, int limit) {
  auto lease = pool.acquire();
  return static_cast<int>(
      lease->execute("DELETE FROM command_replies WHERE created_at < ? LIMIT ?", {db_time(now - kReplyLife), limit}));
}

}  // namespace sdp::workflow
