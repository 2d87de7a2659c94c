#include "jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/uscc.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

std::string alg_for(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) return "RS256";
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
        std::string(group) == "prime256v1")
      return "ES256";
  }
  return {};
}

std::string b64_to_bin(const std::string& field, const json& jwk) {
  auto v = crypto::base64url_decode(jwk.value(field, ""));
  if (!v || v->empty()) throw Error(ErrorSource::config, "JWKS key " + jwk.value("kid", "?") + ": bad '" + field + "'");
  return *v;
}

BIGNUM* bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr);
}

std::shared_ptr<EVP_PKEY> from_params(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    return nullptr;
  return own(key);
}

std::shared_ptr<EVP_PKEY> rsa_from_jwk(const json& jwk) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> n(bn(b64_to_bin("n", jwk)), BN_free),
      e(bn(b64_to_bin("e", jwk)), BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(b.get()), OSSL_PARAM_free);
  return from_params("RSA", params.get());
}

std::shared_ptr<EVP_PKEY> ec_from_jwk(const json& jwk) {
  if (jwk.value("crv", "") != "P-256")
    throw Error(ErrorSource::config, "JWKS key " + jwk.value("kid", "?") + ": only P-256");
  auto x = b64_to_bin("x", jwk), y = b64_to_bin("y", jwk);
  if (x.size() != 32 || y.size() != 32)
    throw Error(ErrorSource::config, "JWKS key " + jwk.value("kid", "?") + ": bad point");
  std::string point = "\x04" + x + y;  // uncompressed
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_utf8_string(b.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(b.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(b.get()), OSSL_PARAM_free);
  return from_params("EC", params.get());
}

// JWS ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, bn(raw.substr(0, 32)), bn(raw.substr(32)));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_signature(const PublicKey& key, std::string_view signing_input, const std::string& signature) {
  std::string sig = signature;
  if (key.alg == "ES256") {
    auto der = ecdsa_der(signature);
    if (!der) return false;
    sig = *der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

std::unexpected<std::string> no(std::string why) { return std::unexpected(std::move(why)); }

// A NumericDate (RFC 7519 §2): seconds since the epoch, fractions allowed, within ±10^12 s.
std::optional<int64_t> numeric_date(const json& v) {
  constexpr int64_t kMax = 1'000'000'000'000;
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    return u <= static_cast<uint64_t>(kMax) ? std::optional<int64_t>(static_cast<int64_t>(u)) : std::nullopt;
  }
  if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    return i <= kMax && i >= -kMax ? std::optional<int64_t>(i) : std::nullopt;
  }
  if (v.is_number_float()) {
    auto d = v.get<double>();
    if (!std::isfinite(d) || std::abs(d) > static_cast<double>(kMax)) return std::nullopt;
    return static_cast<int64_t>(std::floor(d));
  }
  return std::nullopt;
}

// CONTRACT §2: a claim of the wrong JSON type is refused, whether or not this role reads it.
std::optional<std::string> claim_of_wrong_type(const json& claims) {
  for (const char* name : {"iss", "sub", "role", "org", "tier", "region", "jti"})
    if (claims.contains(name) && !claims[name].is_string()) return name;
  for (const char* name : {"exp", "nbf", "iat"})
    if (claims.contains(name) && !numeric_date(claims[name])) return name;
  if (claims.contains("aud")) {
    const auto& aud = claims["aud"];
    bool strings = aud.is_array() && std::all_of(aud.begin(), aud.end(), [](const json& a) { return a.is_string(); });
    if (!aud.is_string() && !strings) return "aud";
  }
  return std::nullopt;
}

}  // namespace

std::string key_id(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return crypto::sha256_hex(bytes).substr(0, 16);
}

KeySet KeySet::from_pem_files(const std::vector<std::string>& paths) {
  KeySet set;
  for (const auto& path : paths) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), BIO_free);
    if (!bio) throw Error(ErrorSource::config, "SDP_JWT_PUBLIC_KEYS: cannot read '" + path + "'");
    EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!raw) throw Error(ErrorSource::config, "SDP_JWT_PUBLIC_KEYS: '" + path + "' holds no PEM public key");
    auto key = own(raw);
    auto alg = alg_for(key.get());
    if (alg.empty()) throw Error(ErrorSource::config, "SDP_JWT_PUBLIC_KEYS: '" + path + "' is neither RSA nor P-256");
    set.add({key_id(key.get()), alg, key});
  }
  return set;
}

KeySet KeySet::from_jwks(const json& jwks) {
  KeySet set;
  if (!jwks.contains("keys") || !jwks["keys"].is_array())
    throw Error(ErrorSource::config, "JWKS: 'keys' must be an array");
  for (const auto& jwk : jwks["keys"]) {
    auto kid = jwk.value("kid", "");
    if (kid.empty()) throw Error(ErrorSource::config, "JWKS: every key needs a kid");
    auto kty = jwk.value("kty", "");
    std::shared_ptr<EVP_PKEY> key = kty == "RSA" ? rsa_from_jwk(jwk) : kty == "EC" ? ec_from_jwk(jwk) : nullptr;
    if (!key) throw Error(ErrorSource::config, "JWKS key " + kid + ": unsupported or malformed");
    set.add({kid, alg_for(key.get()), key});
  }
  return set;
}

const PublicKey* KeySet::find(std::string_view kid) const {
  for (const auto& k : keys_)
    if (k.kid == kid) return &k;
  return nullptr;
}

std::expected<Claims, std::string> verify_jwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy,
                                              int64_t now, const RegionCatalog& regions) {
  if (token.size() > 8192) return no("token too long");
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return no("not a compact JWS");
  auto header_text = crypto::base64url_decode(token.substr(0, dot1));
  auto payload_text = crypto::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = crypto::base64url_decode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) return no("not base64url");
  // Strict JSON: a key given twice anywhere is refused, never read as its last value.
  auto header = parse_json(*header_text, kMaxInputDepth);
  auto payload = parse_json(*payload_text, kMaxInputDepth);
  if (!header) return no("header: " + header.error().message);
  if (!payload) return no("payload: " + payload.error().message);
  if (!header->is_object() || !payload->is_object()) return no("header or payload is not a JSON object");
  for (const char* name : {"alg", "kid", "typ"})
    if (header->contains(name) && !(*header)[name].is_string())
      return no(std::string("header '") + name + "' is not a string");
  if (auto name = claim_of_wrong_type(*payload)) return no("claim '" + *name + "' has the wrong JSON type");

  // The key decides the algorithm; the header's alg must agree with it, or the token is refused.
  const PublicKey* key = nullptr;
  if (header->contains("kid"))
    key = keys.find((*header)["kid"].get<std::string>());
  else
    key = keys.only();
  if (!key) return no("unknown kid");
  if (!header->contains("alg") || (*header)["alg"] != key->alg) return no("alg does not match the key's algorithm");
  if (header->contains("crit")) return no("unsupported critical header");
  if (!verify_signature(*key, token.substr(0, dot2), *signature)) return no("bad signature");

  const json& claims = *payload;
  auto leeway = static_cast<int64_t>(std::min<long>(policy.leeway.count(), 30));
  if (!claims.contains("exp")) return no("exp missing");
  const int64_t exp = *numeric_date(claims["exp"]);
  if (now > exp + leeway) return no("expired");
  if (claims.contains("nbf") && now + leeway < *numeric_date(claims["nbf"])) return no("not yet valid");
  if (claims.value("iss", "") != policy.issuer) return no("wrong issuer");
  const auto& aud = claims.contains("aud") ? claims["aud"] : json();
  bool aud_ok = (aud.is_string() && aud == policy.audience) ||
                (aud.is_array() && std::find(aud.begin(), aud.end(), policy.audience) != aud.end());
  if (!aud_ok) return no("wrong audience");

  Claims c;  // every claim read below was checked to be a string
  c.exp = exp;
  Actor& a = c.actor;
  a.sub = claims.value("sub", "");
  if (a.sub.empty() || a.sub.size() > 128) return no("sub missing or too long");
  auto role = parse_role(claims.value("role", ""));
  if (!role || *role == Role::system) return no("unknown role");  // `system` is the platform's own, never a token's
  a.role = *role;
  if (a.role == Role::applicant) {
    a.org = claims.value("org", "");
    if (!valid_uscc(a.org)) return no("org is not a valid 统一社会信用代码");
  } else if (a.role == Role::reviewer) {
    const auto tier = claims.value("tier", "");
    a.region = claims.value("region", "");
    if (!regions.valid_for_tier(tier, a.region)) return no("tier and region do not fit together");
    a.tier = parse_tier(tier);
  }
  return c;
}

std::expected<Claims, std::string> TokenVerifier::verify(std::string_view token, int64_t now) const {
  auto leeway = static_cast<int64_t>(std::min<long>(policy_.leeway.count(), 30));
  {
    std::lock_guard lock(mutex_);
    if (auto it = passed_.find(std::string(token)); it != passed_.end()) {
      if (now <= it->second.exp + leeway) return it->second;
      passed_.erase(it);
      return std::unexpected("expired");
    }
  }
  auto claims = verify_jwt(token, keys_, policy_, now, regions_);
  if (claims) {
    std::lock_guard lock(mutex_);
    if (passed_.size() >= capacity_)
      passed_.clear();  // crude, and rare: a fresh start costs one verification per client
    passed_.emplace(std::string(token), *claims);
  }
  return claims;
}

}  // namespace sdp::gateway
