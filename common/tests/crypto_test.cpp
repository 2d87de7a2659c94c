#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "sdp/crypto.hpp"

using namespace sdp::crypto;

TEST(Crypto, Sha256KnownAnswer) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, UuidV7IsWellFormedUniqueAndOrdered) {
  static const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    auto id = uuid_v7();
    EXPECT_TRUE(std::regex_match(id, form)) << id;
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_GE(id.substr(0, 13), previous.empty() ? "" : previous.substr(0, 13));  // time prefix never goes back
    previous = id;
  }
}

TEST(Crypto, Base64UrlRoundTripsAndRejectsGarbage) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  for (std::string s : {"", "a", "ab", "abc", "山东省 2026|0190-7000"})
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  EXPECT_FALSE(base64url_decode("Zm9v+YmFy").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v=").has_value());
  EXPECT_FALSE(base64url_decode("Zh").has_value());  // non-zero padding bits
}

TEST(Crypto, SealedSecretsOpenOnlyWithTheKeyAndUnaltered) {
  auto key = *from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  auto sealed = seal(key, "webhook-secret-山东");
  EXPECT_EQ(unseal(key, sealed), "webhook-secret-山东");
  EXPECT_NE(sealed.find("webhook"), 0u);
  EXPECT_NE(seal(key, "same"), seal(key, "same")) << "a fresh nonce each time";
  auto altered = sealed;
  altered[14] ^= 1;
  EXPECT_FALSE(unseal(key, altered).has_value());
  auto other = key;
  other[0] ^= 1;
  EXPECT_FALSE(unseal(other, sealed).has_value());
  EXPECT_FALSE(from_hex("xyz0").has_value());
}
