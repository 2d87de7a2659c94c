#include "document.hpp"

#include "sdp/crypto.hpp"

namespace sdp::workflow {

std::string content_sha256(const nlohmann::json& content) { return crypto::sha256_hex(content.dump()); }

std::string document_code(std::string_view declaration_id, int64_t version, std::string_view content_sha256) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const auto hex = crypto::sha256_hex(std::string("sdp-document-code\n") + std::string(declaration_id) + "\n" +
                                      std::to_string(version) + "\n" + std::string(content_sha256));
  // 80 bits = the first 20 hex digits, 5 bits (one character) at a time.
  std::string code;
  for (size_t i = 0; i < 20; i += 5) {
    uint32_t chunk = std::stoul(hex.substr(i, 5), nullptr, 16);  // 20 bits: four characters
    for (int shift = 15; shift >= 0; shift -= 5) code += kAlphabet[(chunk >> shift) & 31];
  }
  return code;
}

}  // namespace sdp::workflow
