#pragma once
// JSON Schema validation (draft 7, valijson) with problems reported as JSON pointers.

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sdp {

struct SchemaProblem {
  std::string pointer;  // RFC 6901, e.g. "/payload/claimed_level"; "" is the document itself
  std::string message;     // in English
  std::string message_zh;  // the same in Chinese (CONTRACT §3)
  bool operator==(const SchemaProblem&) const = default;
};

class JsonSchema {
public:
  // Throws sdp::Error (config) when the schema itself is malformed.
  explicit JsonSchema(const nlohmann::json& schema);
  static JsonSchema from_file(const std::filesystem::path& path);
  ~JsonSchema();
  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;

  // Every problem found, most specific first, in plain words; empty when the document is valid.
  std::vector<SchemaProblem> validate(const nlohmann::json& document) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Escapes one reference token for a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string pointer_token(std::string_view token);

}  // namespace sdp
