#include "tokens.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>

#include "sdp/crypto.hpp"
#include "test_env.hpp"

namespace sdp::test {
namespace {

std::shared_ptr<EVP_PKEY> generate(const char* type, const char* param) {
  EVP_PKEY* key = nullptr;
  if (std::string(type) == "RSA")
    key = EVP_RSA_gen(2048);
  else
    key = EVP_EC_gen(param);
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::filesystem::path write_public_pem(EVP_PKEY* key, const std::string& name) {
  auto path = temp_dir("keys") / name;
  FILE* f = fopen(path.c_str(), "w");
  PEM_write_PUBKEY(f, key);
  fclose(f);
  return path;
}

std::string kid_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return crypto::sha256_hex(bytes).substr(0, 16);
}

std::string sign(EVP_PKEY* key, const std::string& input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  return sig;
}

// DER ECDSA signature -> JWS r || s.
std::string der_to_raw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  const BIGNUM *r, *s;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

std::string compact(const nlohmann::json& header, const nlohmann::json& claims) {
  return crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
}

}  // namespace

TokenMinter::TokenMinter() : rsa_(generate("RSA", nullptr)), ec_(generate("EC", "P-256")) {
  rsa_pem_ = write_public_pem(rsa_.get(), "rsa.pem");
  ec_pem_ = write_public_pem(ec_.get(), "ec.pem");
}

std::string TokenMinter::rsa_kid() const { return kid_of(rsa_.get()); }
std::string TokenMinter::ec_kid() const { return kid_of(ec_.get()); }

nlohmann::json TokenMinter::defaults(nlohmann::json claims) const {
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!claims.contains("iss")) claims["iss"] = issuer;
  if (!claims.contains("aud")) claims["aud"] = audience;
  if (!claims.contains("exp")) claims["exp"] = now + 3600;
  if (!claims.contains("iat")) claims["iat"] = now;
  return claims;
}

std::string TokenMinter::sign_rs256(const nlohmann::json& header, const nlohmann::json& claims) const {
  auto input = compact(header, claims);
  return input + "." + crypto::base64url_encode(sign(rsa_.get(), input));
}

std::string TokenMinter::sign_rs256_text(const std::string& header, const std::string& claims) const {
  auto input = crypto::base64url_encode(header) + "." + crypto::base64url_encode(claims);
  return input + "." + crypto::base64url_encode(sign(rsa_.get(), input));
}

std::string TokenMinter::sign_es256(const nlohmann::json& header, const nlohmann::json& claims) const {
  auto input = compact(header, claims);
  return input + "." + crypto::base64url_encode(der_to_raw(sign(ec_.get(), input)));
}

std::string TokenMinter::token(nlohmann::json claims) const {
  return sign_rs256({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", rsa_kid()}}, defaults(std::move(claims)));
}

std::string TokenMinter::es256(nlohmann::json claims) const {
  return sign_es256({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", ec_kid()}}, defaults(std::move(claims)));
}

nlohmann::json TokenMinter::applicant(const std::string& org) {
  return {{"sub", "u-" + org.substr(0, 8)}, {"role", "applicant"}, {"org", org}};
}
nlohmann::json TokenMinter::reviewer(const std::string& tier, const std::string& region) {
  return {{"sub", tier + "-" + region}, {"role", "reviewer"}, {"tier", tier}, {"region", region}};
}
nlohmann::json TokenMinter::admin() { return {{"sub", "admin-1"}, {"role", "admin"}}; }

}  // namespace sdp::test
