#pragma once
// Signs JWTs for tests: an RSA and a P-256 key of the test's own, their public keys as PEM files
// for the gateway, and helpers for the tokens an attacker would try.

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;

namespace sdp::test {

class TokenMinter {
 public:
  TokenMinter();  // fresh keys
  const std::filesystem::path& rsa_public_pem() const { return rsa_pem_; }
  const std::filesystem::path& ec_public_pem() const { return ec_pem_; }
  std::string rsa_kid() const;
  std::string ec_kid() const;

  // A valid RS256 token with these claims (iss, aud, exp filled in unless given).
  std::string token(nlohmann::json claims) const;
  std::string es256(nlohmann::json claims) const;
  // Signs header.claims exactly as given with the RSA key (no defaults).
  std::string sign_rs256(const nlohmann::json& header, const nlohmann::json& claims) const;
  std::string sign_es256(const nlohmann::json& header, const nlohmann::json& claims) const;
  // Signs header and claims given as JSON text (duplicate keys, odd nesting) with the RSA key.
  std::string sign_rs256_text(const std::string& header, const std::string& claims) const;

  static nlohmann::json applicant(const std::string& org = "91370102MA3C00000B");
  static nlohmann::json reviewer(const std::string& tier, const std::string& region);
  static nlohmann::json admin();
  nlohmann::json defaults(nlohmann::json claims) const;

  std::string issuer = "sdp-test";
  std::string audience = "sdp-gateway";

 private:
  std::shared_ptr<EVP_PKEY> rsa_, ec_;
  std::filesystem::path rsa_pem_, ec_pem_;
};

}  // namespace sdp::test
