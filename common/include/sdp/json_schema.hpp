#pragma once
// JSON Schema validation (draft 7, valijson) with problems reported as JSON pointers.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sdp {

struct SchemaProblem {
  std::string pointer;     // RFC 6901, e.g. "/payload/claimed_level"; "" is the document itself
  std::string message;     // in English
  std::string message_zh;  // the same in Chinese (CONTRACT §3)
  bool operator==(const SchemaProblem&) const = default;
};

// At most this many problems are listed; one more entry ("and N more problems") counts the rest.
inline constexpr std::size_t kMaxProblems = 50;

// Keeps the first kMaxProblems and counts the rest in one last entry (pointer ""); an earlier such
// entry in `problems` (lists merged after capping) adds its count. Linear.
void cap_problems(std::vector<SchemaProblem>& problems, std::size_t max = kMaxProblems);

class JsonSchema {
 public:
  // Throws sdp::Error (config) when the schema itself is malformed.
  explicit JsonSchema(const nlohmann::json& schema);
  static JsonSchema from_file(const std::filesystem::path& path);
  ~JsonSchema();
  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;

  // The problems found, most specific first, in plain words, capped (cap_problems); empty when
  // the document is valid. An object or array with more members than its schema accepts
  // (maxProperties, maxItems) is refused with that one problem before it is walked. Linear in
  // the document.
  std::vector<SchemaProblem> validate(const nlohmann::json& document) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Escapes one reference token for a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string pointer_token(std::string_view token);

}  // namespace sdp
