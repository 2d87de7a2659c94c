#pragma once
// Hashes, random ids and MACs on OpenSSL.

#include <optional>
#include <string>
#include <string_view>

namespace sdp::crypto {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// A random, time-ordered UUID (RFC 9562 version 7), lower-case with dashes.
std::string uuid_v7();
// URL-safe base64 without padding (RFC 4648 §5), as in JWTs and opaque cursors.
std::string base64url_encode(std::string_view data);
// Empty optional when `text` is not base64url.
std::optional<std::string> base64url_decode(std::string_view text);

// Constant-time comparison for secrets and MACs.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace sdp::crypto
