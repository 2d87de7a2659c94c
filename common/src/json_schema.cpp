#include "sdp/json_schema.hpp"

#include <fstream>
#include <regex>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "sdp/error.hpp"
#include "sdp/files.hpp"
#include "sdp/messages.hpp"

namespace sdp {

struct JsonSchema::Impl {
  valijson::Schema schema;
  nlohmann::json document;  // the schema as written, for the words of its problems
};

std::string pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

JsonSchema::JsonSchema(const nlohmann::json& schema) : impl_(std::make_unique<Impl>()) {
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, impl_->schema);
    impl_->document = schema;
  } catch (const std::exception& e) {
    throw Error(ErrorSource::config, std::string("malformed JSON Schema: ") + e.what());
  }
}

JsonSchema JsonSchema::from_file(const std::filesystem::path& path) {
  auto document = read_json_file(path);
  try {
    return JsonSchema(document);
  } catch (const Error& e) {
    throw Error(ErrorSource::config, "JSON Schema '" + path.string() + "': " + e.what());
  }
}

JsonSchema::~JsonSchema() = default;
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;

std::vector<SchemaProblem> JsonSchema::validate(const nlohmann::json& document) const {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  if (validator.validate(impl_->schema, adapter, &results)) return {};

  // These name a property of the object at the context; point at the property itself.
  static const std::regex named_property(
      R"((?:Missing required property '(.*)'\.?)|(?:Object contains a property that could not be validated .*: '(.*)'\.))");
  std::vector<SchemaProblem> problems;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string pointer;
    for (const auto& part : e.context) {
      if (part == "<root>") continue;
      // valijson writes each step as "[name]" or "[index]".
      auto token = part.size() >= 2 && part.front() == '[' && part.back() == ']' ? part.substr(1, part.size() - 2) : part;
      pointer += "/" + pointer_token(token);
    }
    std::smatch m;
    if (std::regex_match(e.description, m, named_property))
      pointer += "/" + pointer_token(m[1].matched ? m[1].str() : m[2].str());
    problems.push_back({pointer, e.description});
  }
  // valijson also reports each enclosing "Failed to validate ..." step; drop those wrappers when
  // a problem further down explains them, so a caller sees the cause.
  std::vector<SchemaProblem> specific;
  for (const auto& p : problems) {
    bool explained = false;
    if (p.message.starts_with("Failed to validate"))
      for (const auto& q : problems)
        if (&p != &q && (p.pointer.empty() || q.pointer.starts_with(p.pointer + "/") || q.pointer == p.pointer) &&
            !q.message.starts_with("Failed to validate"))
          explained = true;
    bool duplicate = false;
    for (const auto& s : specific) duplicate = duplicate || s == p;
    if (!explained && !duplicate) specific.push_back(p);
  }
  // valijson's wording above is for the filtering only; a person reads plain words (CONTRACT §3).
  for (auto& p : specific) p = plain_schema_problem(p, impl_->document);
  return specific;
}

}  // namespace sdp
