#include "idempotency.hpp"

#include "sdp/crypto.hpp"

namespace sdp::gateway {

std::string idempotency_scope(const std::string& issuer, const Actor& actor, const std::string& path) {
  // A JSON array: no separator inside a claim can make two callers' scopes the same text.
  nlohmann::json parts = {issuer,       actor.sub, name(actor.role), actor.org, actor.tier ? name(*actor.tier) : "",
                          actor.region, path};
  return crypto::sha256_hex(parts.dump());
}

IdempotencyStore::Result IdempotencyStore::begin(const std::string& scope, const std::string& key,
                                                 const std::string& request_hash) {
  auto c = pool_.acquire();
  // Expired keys are as good as new.
  c->execute(
      "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND created_at < UTC_TIMESTAMP(6) - INTERVAL 24 "
      "HOUR",
      {scope, key});
  if (c->execute("INSERT IGNORE INTO idempotency_keys (scope, idem_key, request_hash, status, headers, body) "
                 "VALUES (?, ?, ?, 0, '{}', '')",
                 {scope, key, request_hash}) == 1)
    return {Claim::fresh, std::nullopt};
  auto r = c->query("SELECT request_hash, status, headers, body FROM idempotency_keys WHERE scope = ? AND idem_key = ?",
                    {scope, key});
  if (!r.next()) return {Claim::in_progress, std::nullopt};  // purged between the two statements: let the client retry
  if (r.str("request_hash") != request_hash) return {Claim::other_body, std::nullopt};
  if (r.i64("status") == 0) return {Claim::in_progress, std::nullopt};
  http::Response stored;
  stored.status = static_cast<int>(r.i64("status"));
  const auto headers = nlohmann::json::parse(r.str("headers"));
  for (const auto& [k, v] : headers.items()) stored.headers[k] = v.get<std::string>();
  stored.body = r.str("body");
  stored.headers["Idempotent-Replayed"] = "true";
  return {Claim::replay, std::move(stored)};
}

void IdempotencyStore::finish(const std::string& scope, const std::string& key, const http::Response& response) {
  auto c = pool_.acquire();
  if (response.status >= 500) {
    c->execute("DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0", {scope, key});
    return;
  }
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [k, v] : response.headers)
    if (k != "X-Request-Id") headers[k] = v;
  c->execute("UPDATE idempotency_keys SET status = ?, headers = ?, body = ? WHERE scope = ? AND idem_key = ?",
             {response.status, headers.dump(), response.body, scope, key});
}

int IdempotencyStore::purge() {
  auto c = pool_.acquire();
  return static_cast<int>(
      c->execute("DELETE FROM idempotency_keys WHERE created_at < UTC_TIMESTAMP(6) - INTERVAL 24 HOUR LIMIT 10000"));
}

}  // namespace sdp::gateway
