#pragma once
// Idempotency-Key on POSTs (CONTRACT §3): the same key with the same body within 24 hours gets
// the first response and nothing is done again; the same key with another body is refused (422).
// A claim whose request never finished (its gateway died, or could not record the response) is
// taken over by a retry once it is older than the claim timeout.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sdp/actor.hpp"
#include "sdp/db.hpp"
#include "sdp/http.hpp"

namespace sdp::gateway {

// The scope of a key (CONTRACT §3): SHA-256 hex over the issuer, every identity claim of the
// caller (sub, role, org, tier, region) and the request path.
std::string idempotency_scope(const std::string& issuer, const Actor& actor, const std::string& path);

class IdempotencyStore {
 public:
  // `claim_timeout`: how long a request may run; a claim older than that is abandoned.
  explicit IdempotencyStore(db::Pool& pool, std::chrono::seconds claim_timeout = std::chrono::seconds(30))
      : pool_(pool), claim_timeout_(claim_timeout) {}

  // fresh and taken_over: the caller runs the request (taken_over: an abandoned claim is now its).
  enum class Claim { fresh, taken_over, replay, other_body, in_progress };
  struct Result {
    Claim claim;
    std::optional<http::Response> stored;  // for replay
    std::chrono::seconds retry_after{0};   // for in_progress: until the claim may be taken over (>= 1)
  };
  // Claims (scope, key) for a request whose method, path and body hash to `request_hash`;
  // `scope` names the whole caller and the path (scope_of), so no key is another caller's. Of
  // several requests retrying an abandoned claim at once, exactly one takes it over.
  Result begin(const std::string& scope, const std::string& key, const std::string& request_hash);
  // Records the response of a claim; a 5xx releases the key so that a retry runs again. A lost
  // connection is retried on a fresh one (4 attempts in about 2 s); then it throws sdp::Error.
  void finish(const std::string& scope, const std::string& key, const http::Response& response);
  // Drops keys older than 24 hours; returns how many.
  int purge();

 private:
  db::Pool& pool_;
  std::chrono::seconds claim_timeout_;
};

}  // namespace sdp::gateway
