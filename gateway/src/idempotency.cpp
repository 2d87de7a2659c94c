#include "idempotency.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/log.hpp"

namespace sdp::gateway {

std::string idempotency_scope(const std::string& issuer, const Actor& actor, const std::string& path) {
  // A JSON array: no separator inside a claim can make two callers' scopes the same text.
  nlohmann::json parts = {issuer,       actor.sub, name(actor.role), actor.org, actor.tier ? name(*actor.tier) : "",
                          actor.region, path};
  return crypto::sha256_hex(parts.dump());
}

namespace {

// Whole seconds from `age` until a claim `timeout` old may be taken over; at least 1.
std::chrono::seconds until_abandoned(std::chrono::microseconds age, std::chrono::seconds timeout) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(timeout - age);
  return std::max(left, std::chrono::seconds(1));
}

}  // namespace

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
  // Two looks at most: a takeover lost to a concurrent retry reads what the winner left.
  for (int look = 1;; ++look) {
    std::string stored_hash, headers_text, body;
    int64_t status = 0;
    std::chrono::microseconds age{0};
    {
      auto r = c->query(
          "SELECT request_hash, status, headers, body, TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(6)) AS "
          "age_us FROM idempotency_keys WHERE scope = ? AND idem_key = ?",
          {scope, key});
      // Purged between the statements: let the client retry.
      if (!r.next()) return {Claim::in_progress, std::nullopt, std::chrono::seconds(1)};
      stored_hash = r.str("request_hash");
      status = r.i64("status");
      headers_text = r.str("headers");
      body = r.str("body");
      age = std::chrono::microseconds(r.i64("age_us"));
    }
    if (stored_hash != request_hash) return {Claim::other_body, std::nullopt};
    if (status == 0) {
      if (age < claim_timeout_ || look > 1)
        return {Claim::in_progress, std::nullopt, until_abandoned(age, claim_timeout_)};
      // Abandoned: its request can no longer be running. The condition is checked again in the
      // UPDATE, so of several retries at once only one changes the row and runs the request.
      try {
        if (c->execute("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(6) WHERE scope = ? AND idem_key = ? "
                       "AND status = 0 AND request_hash = ? AND created_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND",
                       {scope, key, request_hash, static_cast<int64_t>(claim_timeout_.count())}) == 1)
          return {Claim::taken_over, std::nullopt};
      } catch (const std::exception& e) {
        if (!db::is_retryable_conflict(e)) throw;  // a Galera certification conflict: another node's retry won
      }
      continue;
    }
    http::Response stored;
    stored.status = static_cast<int>(status);
    const auto headers = nlohmann::json::parse(headers_text);
    for (const auto& [k, v] : headers.items()) stored.headers[k] = v.get<std::string>();
    stored.body = std::move(body);
    stored.headers["Idempotent-Replayed"] = "true";
    return {Claim::replay, std::move(stored)};
  }
}

void IdempotencyStore::finish(const std::string& scope, const std::string& key, const http::Response& response) {
  // The pauses before the second, third and fourth attempt: long enough for HAProxy to send a new
  // connection to a surviving Galera node.
  static constexpr std::array<std::chrono::milliseconds, 3> kPauses{
      std::chrono::milliseconds(250), std::chrono::milliseconds(500), std::chrono::milliseconds(1000)};
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [k, v] : response.headers)
    if (k != "X-Request-Id") headers[k] = v;
  const auto headers_text = headers.dump();
  for (size_t attempt = 1;; ++attempt) {
    std::optional<db::Lease> c;
    try {
      c.emplace(pool_.acquire());
      if (response.status >= 500)
        (*c)->execute("DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0", {scope, key});
      else  // status = 0: the first of two runs to finish (after a takeover) keeps its response
        (*c)->execute(
            "UPDATE idempotency_keys SET status = ?, headers = ?, body = ? WHERE scope = ? AND idem_key = ? AND "
            "status = 0",
            {response.status, headers_text, response.body, scope, key});
      return;
    } catch (const Error& e) {
      if (c) c->discard();                  // the pool opens a new connection (through HAProxy, to a live node)
      if (attempt > kPauses.size()) throw;  // the caller logs the last
      log::warn("idempotent response not recorded; retrying on a new connection",
                {{"attempt", attempt}, {"error", e.what()}});
      c.reset();
      std::this_thread::sleep_for(kPauses[attempt - 1]);
    }
  }
}

int IdempotencyStore::purge() {
  auto c = pool_.acquire();
  return static_cast<int>(
      c->execute("DELETE FROM idempotency_keys WHERE created_at < UTC_TIMESTAMP(6) - INTERVAL 24 HOUR LIMIT 10000"));
}

}  // namespace sdp::gateway
