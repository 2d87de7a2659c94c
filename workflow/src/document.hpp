#pragma once
// The 申报书's identity (CONTRACT §9), pure: the digest of a content version as printed, and the
// short verification code printed on every page of it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sdp::workflow {

// SHA-256 (hex) of `content` as compact JSON with its members in name order (nlohmann's objects
// are sorted maps), so the same content always gives the same digest.
std::string content_sha256(const nlohmann::json& content);

// 16 characters of Crockford base32 (0-9 A-Z without I L O U): the first 80 bits of SHA-256 over
// the declaration's id, the version and its content digest. The same version gives the same code;
// guessing one for a version means knowing its content, and a code never printed is not on record.
std::string document_code(std::string_view declaration_id, int64_t version, std::string_view content_sha256);

}  // namespace sdp::workflow
