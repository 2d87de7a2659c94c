#pragma once
// The gateway's OpenAPI document (schemas/api/openapi.json) as a check on real exchanges: the
// operation by method and path template, the response by status (else `default`), its headers
// (present when `required`, each matching its schema), its Content-Type, and its body against
// the response schema with a JSON Schema validator (valijson, draft 7) once OpenAPI 3.0's dialect
// is translated: `$ref` into components, `nullable`, boolean exclusive bounds, annotation-only keys.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sdp::test {

class OpenApiContract {
 public:
  explicit OpenApiContract(nlohmann::json document);
  ~OpenApiContract();
  // schemas/api/openapi.json of this source tree, loaded once.
  static const OpenApiContract& gateway();

  // Every way this exchange departs from the document, one line each; empty when it follows it.
  // `target` is the request's path with its query; `headers` have lower-cased names.
  std::vector<std::string> check(const std::string& method, const std::string& target, bool request_had_body,
                                 long status, const std::map<std::string, std::string>& headers,
                                 const std::string& body) const;

  // An OpenAPI 3.0 Schema Object as draft-7 JSON Schema; "#/components/schemas/X" becomes "#/definitions/X".
  static nlohmann::json to_json_schema(const nlohmann::json& schema);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sdp::test
