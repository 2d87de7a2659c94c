#pragma once
// JWT verification (CONTRACT §2) on OpenSSL: RS256 or ES256 against configured public keys chosen
// by `kid`, the algorithm pinned to the key (so `none` and HMAC-with-a-public-key cannot pass),
// exp/nbf/iss/aud checked with a leeway of at most 30 s, and the platform's claims validated.
// Header and claims are strict JSON (no key twice, nesting bounded) and every claim has its JSON type.

#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sdp/actor.hpp"
#include "sdp/regions.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace sdp::gateway {

struct PublicKey {
  std::string kid;
  std::string alg;  // "RS256" for RSA keys, "ES256" for P-256 keys: the only algorithm the key accepts
  std::shared_ptr<EVP_PKEY> key;
};

class KeySet {
 public:
  // PEM files of public keys; each key's kid is the first 16 hex digits of SHA-256 over its DER
  // SubjectPublicKeyInfo (what deploy/local/token.sh puts in the header).
  static KeySet from_pem_files(const std::vector<std::string>& paths);
  // A JWKS document ({"keys": [{kty, kid, n, e} | {kty: "EC", crv: "P-256", kid, x, y}]}).
  static KeySet from_jwks(const nlohmann::json& jwks);
  const PublicKey* find(std::string_view kid) const;
  size_t size() const { return keys_.size(); }
  const PublicKey* only() const { return keys_.size() == 1 ? &keys_[0] : nullptr; }  // for tokens without kid
  void add(PublicKey key) { keys_.push_back(std::move(key)); }
  const std::vector<PublicKey>& all() const { return keys_; }

 private:
  std::vector<PublicKey> keys_;
};

struct JwtPolicy {
  std::string issuer;
  std::string audience;
  std::chrono::seconds leeway{30};
};

// The platform's claims, validated: who acts (applicant, reviewer or admin, never `system`), and
// until when.
struct Claims {
  Actor actor;
  int64_t exp = 0;
};

// Signature and registered claims; `now` in UNIX seconds. The error says what failed (for logs;
// clients only ever see 401).
std::expected<Claims, std::string> verify_jwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy,
                                              int64_t now, const RegionCatalog& regions);

// verify_jwt with a memory of tokens that passed: a client sends the same token with every request,
// and an RSA verification costs more than the rest of a request's handling in the gateway. A
// remembered token is still refused once expired. Thread-safe; at most `capacity` tokens.
class TokenVerifier {
 public:
  TokenVerifier(const KeySet& keys, JwtPolicy policy, const RegionCatalog& regions, size_t capacity = 4096)
      : keys_(keys), policy_(std::move(policy)), regions_(regions), capacity_(capacity) {}
  std::expected<Claims, std::string> verify(std::string_view token, int64_t now) const;
  const JwtPolicy& policy() const { return policy_; }

 private:
  const KeySet& keys_;
  JwtPolicy policy_;
  const RegionCatalog& regions_;
  size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Claims> passed_;
};

// The kid of a public key, as the platform computes it.
std::string key_id(EVP_PKEY* key);

}  // namespace sdp::gateway
