#include "sdp/json_schema.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <regex>
#include <string_view>
#include <unordered_set>
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
  nlohmann::json document;  // the schema as written: its bounds, checked before valijson walks, and its words
};

namespace {

using nlohmann::json;

constexpr std::string_view kMorePrefix = "and ", kMoreSuffix = " more problems";

// The count in an "and N more problems" entry (whatever its pointer: callers may root them).
std::optional<std::size_t> more_count(const SchemaProblem& p) {
  std::string_view m = p.message;
  if (!m.starts_with(kMorePrefix) || !m.ends_with(kMoreSuffix)) return std::nullopt;
  m = m.substr(kMorePrefix.size(), m.size() - kMorePrefix.size() - kMoreSuffix.size());
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), n);
  if (ec != std::errc{} || end != m.data() + m.size()) return std::nullopt;
  return n;
}

// The schema a "$ref" names, followed within this document ("#/definitions/x"); nullptr otherwise.
const json* resolve(const json& root, const json* schema) {
  for (int hops = 0; hops < 16 && schema->is_object() && schema->contains("$ref"); ++hops) {
    const auto& ref = (*schema)["$ref"];
    if (!ref.is_string() || !ref.get_ref<const std::string&>().starts_with("#")) return nullptr;
    try {
      schema = &root.at(json::json_pointer(ref.get<std::string>().substr(1)));
    } catch (const json::exception&) {
      return nullptr;
    }
  }
  return schema->is_object() && !schema->contains("$ref") ? schema : nullptr;
}

std::optional<std::size_t> bound(const json& schema, const char* keyword) {
  auto it = schema.find(keyword);
  if (it == schema.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return std::nullopt;
  return it->get<std::size_t>();
}

// The first object or array in `doc` with more members than its schema's maxProperties or maxItems,
// found by following properties, additionalProperties, items and local $refs (not the combinators,
// which valijson handles). Each value is looked at once; nothing inside an object over its bound is
// walked. The messages are valijson's, so the answer reads as if valijson had found it.
std::optional<SchemaProblem> over_bound(const json& root, const json& schema_at, const json& doc, const std::string& at,
                                        int depth) {
  const json* schema = resolve(root, &schema_at);
  if (!schema || depth > 256 || !doc.is_structured()) return std::nullopt;
  if (doc.is_array()) {
    if (auto max = bound(*schema, "maxItems"); max && doc.size() > *max)
      return SchemaProblem{at, "Array should contain no more than " + std::to_string(*max) + " elements."};
    auto items = schema->find("items");
    if (items == schema->end() || !items->is_object()) return std::nullopt;
    for (std::size_t i = 0; i < doc.size(); ++i)
      if (auto p = over_bound(root, *items, doc[i], at + "/" + std::to_string(i), depth + 1)) return p;
    return std::nullopt;
  }
  if (auto max = bound(*schema, "maxProperties"); max && doc.size() > *max)
    return SchemaProblem{at, "Object should have no more than " + std::to_string(*max) + " properties."};
  auto props = schema->find("properties");
  const json* declared = props != schema->end() && props->is_object() ? &*props : nullptr;
  auto additional = schema->find("additionalProperties");
  bool patterns = schema->contains("patternProperties");
  // additionalProperties: false needs no bound here: valijson names the first stranger and walks
  // none of them.
  for (const auto& [name, value] : doc.items()) {
    if (!value.is_structured()) continue;
    const json* sub = nullptr;
    if (declared && declared->contains(name))
      sub = &(*declared)[name];
    else if (!patterns && additional != schema->end() && additional->is_object())
      sub = &*additional;
    if (sub)
      if (auto p = over_bound(root, *sub, value, at + "/" + pointer_token(name), depth + 1)) return p;
  }
  return std::nullopt;
}

}  // namespace

void cap_problems(std::vector<SchemaProblem>& problems, std::size_t max) {
  std::size_t more = 0, kept = 0;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (auto n = more_count(problems[i]))
      more += *n;
    else if (kept < max) {
      if (kept != i) problems[kept] = std::move(problems[i]);
      ++kept;
    } else
      ++more;
  }
  problems.resize(kept);
  if (more > 0)
    problems.push_back({"", std::string(kMorePrefix) + std::to_string(more) + std::string(kMoreSuffix),
                        "另有 " + std::to_string(more) + " 处问题未列出"});
}

std::string pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
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
  if (auto p = over_bound(impl_->document, impl_->document, document, "", 0))
    return {plain_schema_problem(*p, impl_->document)};
  // One validator a thread, for its cache of the schemas' compiled `pattern`s (finite: keyed by
  // the schemas' own patterns, never by input); a fresh one compiled each of them on every call.
  thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
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
      auto token =
          part.size() >= 2 && part.front() == '[' && part.back() == ']' ? part.substr(1, part.size() - 2) : part;
      pointer += "/" + pointer_token(token);
    }
    std::smatch m;
    if ((e.description.starts_with("Missing") || e.description.starts_with("Object contains")) &&
        std::regex_match(e.description, m, named_property))
      pointer += "/" + pointer_token(m[1].matched ? m[1].str() : m[2].str());
    problems.push_back({pointer, e.description});
  }
  // valijson also reports each enclosing "Failed to validate ..." step; drop those wrappers when
  // a problem at or below their pointer explains them, so a caller sees the cause. In one pass:
  // the pointers at or above some specific problem, then a look-up per wrapper.
  auto wrapper = [](const SchemaProblem& p) { return p.message.starts_with("Failed to validate"); };
  std::unordered_set<std::string> explained;
  for (const auto& q : problems) {
    if (wrapper(q) || !explained.insert(q.pointer).second) continue;
    for (auto slash = q.pointer.rfind('/'); slash != std::string::npos; slash = q.pointer.rfind('/', slash - 1)) {
      if (!explained.insert(q.pointer.substr(0, slash)).second || slash == 0) break;
    }
  }
  std::vector<SchemaProblem> specific;
  std::unordered_set<std::string> seen;
  for (auto& p : problems) {
    if (wrapper(p) && explained.contains(p.pointer)) continue;
    if (!seen.insert(p.pointer + '\0' + p.message).second) continue;
    specific.push_back(std::move(p));
  }
  // valijson's wording above is for the filtering only; a person reads plain words (CONTRACT §3).
  for (std::size_t i = 0; i < std::min(specific.size(), kMaxProblems); ++i)
    specific[i] = plain_schema_problem(specific[i], impl_->document);
  cap_problems(specific);
  return specific;
}

}  // namespace sdp
