#pragma once
// Idempotency-Key on POSTs (CONTRACT §3): the same key with the same body within 24 hours gets
// the first response and nothing is done again; the same key with another body is refused (422).

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
  explicit IdempotencyStore(db::Pool& pool) : pool_(pool) {}

  enum class Claim { fresh, replay, other_body, in_progress };
  struct Result {
    Claim claim;
    std::optional<http::Response> stored;  // for replay
  };
  // Claims (scope, key) for a request whose method, path and body hash to `request_hash`;
  // `scope` names the whole caller and the path (scope_of), so no key is another caller's.
  Result begin(const std::string& scope, const std::string& key, const std::string& request_hash);
  // Records the response of a fresh claim; a 5xx releases the key so that a retry runs again.
  void finish(const std::string& scope, const std::string& key, const http::Response& response);
  // Drops keys older than 24 hours; returns how many.
  int purge();

 private:
  db::Pool& pool_;
};

}  // namespace sdp::gateway
