// Token verification: what must pass, and every way a token must fail.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include "jwt.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"

#include <fstream>
#include <sstream>
#include "tokens.hpp"

using namespace sdp;
using namespace sdp::gateway;
using nlohmann::json;
using test::TokenMinter;

namespace {
const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  return r;
}
const TokenMinter& minter() {
  static TokenMinter m;
  return m;
}
const KeySet& keys() {
  static auto k = KeySet::from_pem_files({minter().rsa_public_pem(), minter().ec_public_pem()});
  return k;
}
// What an attacker sends for HS256: an HMAC keyed with our public key's PEM text.
std::string hmac_forge(const std::string& key, const std::string& input) {
  auto hex = crypto::hmac_sha256_hex(key, input);
  std::string raw;
  for (size_t i = 0; i < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return crypto::base64url_encode(raw);
}
json with(json base, const json& extra) {
  base.update(extra);
  return base;
}
int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::expected<Claims, std::string> verify(const std::string& token, int64_t at = now()) {
  return verify_jwt(token, keys(), {"sdp-test", "sdp-gateway", std::chrono::seconds(30)}, at, regions());
}
}  // namespace

TEST(Jwt, ValidTokensOfEveryRolePass) {
  auto a = verify(minter().token(TokenMinter::applicant()));
  ASSERT_TRUE(a.has_value()) << a.error();
  EXPECT_EQ(a->actor, (Actor{"u-91370102", Role::applicant, "91370102MA3C00000B", std::nullopt, ""}));
  auto r = verify(minter().es256(TokenMinter::reviewer("city", "370100")));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->actor, (Actor{"city-370100", Role::reviewer, "", Tier::city, "370100"}));
  EXPECT_TRUE(verify(minter().token(TokenMinter::admin())).has_value());
  EXPECT_EQ(keys().find(minter().rsa_kid())->alg, "RS256");
  EXPECT_EQ(keys().find(minter().ec_kid())->alg, "ES256");
}

TEST(Jwt, EveryBadTokenIsRefused) {
  TokenMinter stranger;
  auto claims = minter().defaults(TokenMinter::applicant());
  auto rsa_header = json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", minter().rsa_kid()}};
  auto good = minter().token(TokenMinter::applicant());
  auto tampered = [&] {
    auto parts = good;
    auto first = parts.find('.'), second = parts.find('.', first + 1);
    auto forged_claims = claims;
    forged_claims["role"] = "admin";
    return parts.substr(0, first + 1) + crypto::base64url_encode(forged_claims.dump()) + parts.substr(second);
  }();
  auto public_pem = [&] {
    std::ifstream in(minter().rsa_public_pem());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  auto hs256_input = crypto::base64url_encode(json{{"alg", "HS256"}, {"kid", minter().rsa_kid()}}.dump()) + "." +
                     crypto::base64url_encode(claims.dump());
  auto hs256 = hs256_input + "." + hmac_forge(public_pem, hs256_input);
  auto none = crypto::base64url_encode(json{{"alg", "none"}, {"kid", minter().rsa_kid()}}.dump()) + "." +
              crypto::base64url_encode(claims.dump()) + ".";

  struct Case {
    const char* name;
    std::string token;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"signed by a stranger's key under our kid", stranger.sign_rs256(rsa_header, claims), "bad signature"},
      {"a stranger's key and kid", stranger.token(TokenMinter::applicant()), "unknown kid"},
      {"payload tampered after signing", tampered, "bad signature"},
      {"alg none", none, "alg does not match"},
      {"HS256 keyed with the public key", hs256, "alg does not match"},
      {"ES256 in the header of a token for the RSA key",
       minter().sign_rs256({{"alg", "ES256"}, {"kid", minter().rsa_kid()}}, claims), "alg does not match"},
      {"RS256 in the header of a token for the EC key",
       minter().sign_es256({{"alg", "RS256"}, {"kid", minter().ec_kid()}}, claims), "alg does not match"},
      {"expired a minute ago", minter().token(with(TokenMinter::applicant(), {{"exp", now() - 60}})), "expired"},
      {"no exp",
       minter().sign_rs256(rsa_header,
                           [&] {
                             auto c = claims;
                             c.erase("exp");
                             return c;
                           }()),
       "exp missing"},
      {"not yet valid", minter().token(with(TokenMinter::applicant(), {{"nbf", now() + 120}})), "not yet valid"},
      {"wrong issuer", minter().token(with(TokenMinter::applicant(), {{"iss", "someone-else"}})), "wrong issuer"},
      {"wrong audience", minter().token(with(TokenMinter::applicant(), {{"aud", "other-api"}})), "wrong audience"},
      {"org with a wrong check character", minter().token(TokenMinter::applicant("91370102MA3C00000A")), "org"},
      {"county reviewer with a city code", minter().token(TokenMinter::reviewer("county", "370100")),
       "tier and region"},
      {"city reviewer outside Shandong", minter().token(TokenMinter::reviewer("city", "110100")), "tier and region"},
      {"province reviewer with a city code", minter().token(TokenMinter::reviewer("province", "370100")),
       "tier and region"},
      {"unknown role", minter().token({{"sub", "x"}, {"role", "mayor"}}), "unknown role"},
      {"the platform's own role", minter().token({{"sub", "x"}, {"role", "system"}}), "unknown role"},
      {"no sub", minter().token({{"role", "admin"}}), "sub"},
      {"two parts", "abc.def", "compact"},
      {"four parts", good + ".x", "compact"},
      {"not base64", "!!!.@@@.###", "base64"},
  };
  for (const auto& c : cases) {
    auto r = verify(c.token);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_NE(r.error().find(c.reason), std::string::npos) << c.name << ": " << r.error();
  }
}

TEST(Jwt, LeewayIsThirtySecondsAtMost) {
  auto t = minter().token(with(TokenMinter::applicant(), {{"exp", now() - 20}}));
  EXPECT_TRUE(verify(t).has_value()) << "20 s past exp is within the leeway";
  auto lenient = verify_jwt(minter().token(with(TokenMinter::applicant(), {{"exp", now() - 100}})), keys(),
                            {"sdp-test", "sdp-gateway", std::chrono::seconds(300)}, now(), regions());
  EXPECT_FALSE(lenient.has_value()) << "a configured leeway above 30 s is capped";
}

TEST(Jwt, AudienceMayBeAList) {
  EXPECT_TRUE(verify(minter().token(with(TokenMinter::admin(), {{"aud", {"x", "sdp-gateway"}}}))).has_value());
}

TEST(Jwt, JwksKeysWork) {
  // A JWKS holding the same RSA key as n/e.
  auto rsa = keys().find(minter().rsa_kid())->key.get();
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(rsa, "n", &n);
  EVP_PKEY_get_bn_param(rsa, "e", &e);
  auto bin = [](BIGNUM* b) {
    std::string s(static_cast<size_t>(BN_num_bytes(b)), '\0');
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(s.data()));
    BN_free(b);
    return crypto::base64url_encode(s);
  };
  json jwks = {{"keys", {{{"kty", "RSA"}, {"kid", "rotated-2027"}, {"n", bin(n)}, {"e", bin(e)}}}}};
  auto set = KeySet::from_jwks(jwks);
  auto token =
      minter().sign_rs256({{"alg", "RS256"}, {"kid", "rotated-2027"}}, minter().defaults(TokenMinter::admin()));
  EXPECT_TRUE(verify_jwt(token, set, {"sdp-test", "sdp-gateway"}, now(), regions()).has_value());
}

TEST(Jwt, TheVerifierRemembersTokensThatPassedButNotPastTheirExpiry) {
  TokenVerifier verifier(keys(), {"sdp-test", "sdp-gateway", std::chrono::seconds(30)}, regions(), 2);
  auto t = now();
  auto token = minter().token(with(TokenMinter::admin(), {{"exp", t + 60}}));
  ASSERT_TRUE(verifier.verify(token, t).has_value());
  ASSERT_TRUE(verifier.verify(token, t + 10).has_value());  // remembered
  EXPECT_EQ(verifier.verify(token, t + 91).error(), "expired");
  EXPECT_EQ(verifier.verify(token, t + 91).error(), "expired");  // and after it was forgotten
  // A token that failed is not remembered as passed; a forged one fails every time.
  auto forged = token.substr(0, token.rfind('.') + 1) + "AAAA";
  EXPECT_FALSE(verifier.verify(forged, t).has_value());
  EXPECT_FALSE(verifier.verify(forged, t).has_value());
  // More tokens than the capacity: all still verify.
  for (int i = 0; i < 5; ++i) {
    auto other = minter().token(with(TokenMinter::admin(), {{"exp", t + 60}, {"sub", "admin-" + std::to_string(i)}}));
    auto claims = verifier.verify(other, t);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->actor.sub, "admin-" + std::to_string(i));
  }
}

// CONTRACT §2: a claim of the wrong JSON type, a duplicated claim or a duplicated key anywhere in
// the token is refused (401), never a 500 and never last-one-wins.
TEST(Jwt, ClaimsOfTheWrongTypeAndDuplicatedKeysAreRefused) {
  auto header = json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", minter().rsa_kid()}}.dump();
  auto claims = [](const json& base, const json& extra) { return minter().defaults(with(base, extra)); };
  auto signed_text = [&](const std::string& claims_text) { return minter().sign_rs256_text(header, claims_text); };
  // {"sub":…,"role":"applicant","org":…,…} with `more` spliced in before the closing brace.
  auto applicant_with = [&](const std::string& more) {
    auto text = minter().defaults(TokenMinter::applicant()).dump();
    return signed_text(text.substr(0, text.size() - 1) + "," + more + "}");
  };
  std::string deep = std::string(2000, '[') + std::string(2000, ']');
  struct Case {
    const char* name;
    std::string token;
  };
  std::vector<Case> cases = {
      {"role an array", minter().token(claims(TokenMinter::admin(), {{"role", {"admin"}}}))},
      {"role a number", minter().token(claims(TokenMinter::admin(), {{"role", 1}}))},
      {"sub a number", minter().token(claims(TokenMinter::admin(), {{"sub", 42}}))},
      {"sub an object", minter().token(claims(TokenMinter::admin(), {{"sub", {{"id", "x"}}}}))},
      {"org a number", minter().token(claims(TokenMinter::applicant(), {{"org", 91370102}}))},
      {"tier an array", minter().token(claims(TokenMinter::reviewer("city", "370100"), {{"tier", {"city"}}}))},
      {"region a number", minter().token(claims(TokenMinter::reviewer("city", "370100"), {{"region", 370100}}))},
      {"org on an admin a number", minter().token(claims(TokenMinter::admin(), {{"org", 1}}))},
      {"exp a string", minter().token(claims(TokenMinter::admin(), {{"exp", std::to_string(now() + 600)}}))},
      {"exp beyond any date", minter().token(claims(TokenMinter::admin(), {{"exp", 1e300}}))},
      {"nbf a string", minter().token(claims(TokenMinter::admin(), {{"nbf", "0"}}))},
      {"iat a string", minter().token(claims(TokenMinter::admin(), {{"iat", "now"}}))},
      {"iss a number", minter().token(claims(TokenMinter::admin(), {{"iss", 7}}))},
      {"iss an array", minter().token(claims(TokenMinter::admin(), {{"iss", {"sdp-test"}}}))},
      {"aud a number", minter().token(claims(TokenMinter::admin(), {{"aud", 7}}))},
      {"aud a list with a number", minter().token(claims(TokenMinter::admin(), {{"aud", {"sdp-gateway", 7}}}))},
      {"jti a number", minter().token(claims(TokenMinter::admin(), {{"jti", 7}}))},
      {"role given twice, admin last", applicant_with(R"("role":"admin")")},
      {"sub given twice", applicant_with(R"("sub":"someone-else")")},
      {"a key twice inside a claim", applicant_with(R"("extra":{"a":1,"a":2})")},
      {"a claim nested 2000 deep", applicant_with(R"("extra":)" + deep)},
      {"alg given twice in the header",
       minter().sign_rs256_text(header.substr(0, header.size() - 1) + R"(,"alg":"RS256"})",
                                minter().defaults(TokenMinter::admin()).dump())},
      {"kid a number", minter().sign_rs256({{"alg", "RS256"}, {"kid", 7}}, minter().defaults(TokenMinter::admin()))},
  };
  for (const auto& c : cases) {
    std::expected<Claims, std::string> r;
    EXPECT_NO_THROW(r = verify(c.token)) << c.name;
    EXPECT_FALSE(r.has_value()) << c.name << " passed as " << (r ? name(r->actor.role) : "");
  }
  // The same shapes with the right types still pass: the refusals above are about types and keys.
  EXPECT_TRUE(
      verify(minter().token(claims(TokenMinter::admin(), {{"jti", "j-1"}, {"extra", {{"a", 1}}}}))).has_value());
  EXPECT_TRUE(verify(applicant_with(R"("extra":[[1]])")).has_value());
}
