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

// AES-256-GCM with a 32-byte key: nonce || ciphertext || tag. For secrets kept at rest that the
// service must use but never show (webhook secrets).
std::string seal(std::string_view key, std::string_view plaintext);
// Empty optional when the sealed text was altered or the key is wrong.
std::optional<std::string> unseal(std::string_view key, std::string_view sealed);
// Hex text to bytes; empty optional when it is not hex.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace sdp::crypto
