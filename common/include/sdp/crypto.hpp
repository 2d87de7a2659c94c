#pragma once
// Hashes, random ids and MACs on OpenSSL.

#include <string>
#include <string_view>

namespace sdp::crypto {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// A random, time-ordered UUID (RFC 9562 version 7), lower-case with dashes.
std::string uuid_v7();
// Constant-time comparison for secrets and MACs.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace sdp::crypto
