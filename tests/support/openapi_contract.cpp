#include "openapi_contract.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include "sdp/build_info.hpp"
#include "sdp/files.hpp"
#include "sdp/json_schema.hpp"

namespace sdp::test {

using nlohmann::json;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "/v1/declarations/x" -> {"v1", "declarations", "x"}; "/" -> {}.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.starts_with('/') ? 1 : 0;
  if (start >= path.size()) return out;
  while (true) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return out;
    start = slash + 1;
  }
}

// The media type of a Content-Type value: lower-cased, without parameters.
std::string media_type(const std::string& value) {
  auto m = value.substr(0, value.find(';'));
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return lower(m);
}

bool is_json_media(const std::string& media) { return media == "application/json" || media.ends_with("+json"); }

// A header's text as the JSON value its schema describes (Retry-After: 5 is the integer 5).
json header_value(const std::string& text, const json& schema) {
  auto type = schema.value("type", std::string("string"));
  if (type == "integer") {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc{} && ptr == text.data() + text.size()) return n;
  } else if (type == "number" || type == "boolean") {
    auto parsed = json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean())) return parsed;
  }
  return text;
}

}  // namespace

json OpenApiContract::to_json_schema(const json& schema) {
  if (!schema.is_object()) return schema;  // `true`/`false` as additionalProperties
  auto each = [](const json& list) {
    json out = json::array();
    for (const auto& s : list) out.push_back(to_json_schema(s));
    return out;
  };
  json out = json::object();
  for (const auto& [key, value] : schema.items()) {
    if (key == "$ref") {
      static const std::string components = "#/components/schemas/";
      auto ref = value.get<std::string>();
      out[key] = ref.starts_with(components) ? "#/definitions/" + ref.substr(components.size()) : ref;
    } else if (key == "properties" || key == "patternProperties") {
      out[key] = json::object();
      for (const auto& [name, s] : value.items()) out[key][name] = to_json_schema(s);
    } else if (key == "items" || key == "additionalProperties" || key == "not") {
      out[key] = value.is_array() ? each(value) : to_json_schema(value);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      out[key] = each(value);
    } else if (key == "nullable" || key == "discriminator" || key == "xml" || key == "externalDocs" ||
               key == "example" || key == "deprecated" ||
               ((key == "exclusiveMinimum" || key == "exclusiveMaximum") && value.is_boolean())) {
      continue;  // OpenAPI-only, or translated below
    } else {
      out[key] = value;
    }
  }
  // OpenAPI 3.0.3: `nullable` adds null to the `type` of the same object, and to nothing else
  // (an `enum`, `oneOf` or `allOf` beside it must allow null by itself).
  if (schema.value("nullable", false) && out.contains("type") && out["type"].is_string())
    out["type"] = json::array({out["type"], "null"});
  // `format` constrains strings only; valijson 1.0 applies it to any value (null included).
  if (out.contains("format")) {
    out["if"] = {{"type", "string"}};
    out["then"] = {{"format", out["format"]}};
    out.erase("format");
  }
  for (const char* bound : {"Minimum", "Maximum"}) {
    auto exclusive = std::string("exclusive") + bound, inclusive = lower(bound);
    if (schema.value(exclusive, json()).is_boolean() && schema.value(exclusive, false) && out.contains(inclusive)) {
      out[exclusive] = out[inclusive];
      out.erase(inclusive);
    }
  }
  return out;
}

struct OpenApiContract::Impl {
  json doc;
  json definitions = json::object();
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const JsonSchema>> compiled;  // by where the schema sits

  // `node`, or what its "$ref" names in the document.
  const json& resolve(const json& node) const {
    const json* at = &node;
    for (int hops = 0; hops < 8 && at->is_object() && at->contains("$ref"); ++hops) {
      auto ref = (*at)["$ref"].get<std::string>();
      if (!ref.starts_with("#/")) break;
      at = &doc.at(json::json_pointer(ref.substr(1)));
    }
    return *at;
  }

  std::shared_ptr<const JsonSchema> schema(const std::string& where, const json& openapi_schema) {
    std::lock_guard lock(mutex);
    auto& slot = compiled[where];
    if (!slot)
      slot = std::make_shared<const JsonSchema>(
          json{{"definitions", definitions}, {"allOf", json::array({to_json_schema(openapi_schema)})}});
    return slot;
  }

  // The document's path template for `path`, the one with most literal segments when several match.
  std::optional<std::string> path_template(const std::string& path) const {
    auto parts = segments(path);
    std::optional<std::string> best;
    int best_literals = -1;
    for (const auto& [tpl, _] : doc["paths"].items()) {
      auto pattern = segments(tpl);
      if (pattern.size() != parts.size()) continue;
      int literals = 0;
      bool match = true;
      for (size_t i = 0; i < parts.size() && match; ++i) {
        if (pattern[i].starts_with('{') && pattern[i].ends_with('}'))
          match = !parts[i].empty();
        else if (pattern[i] == parts[i])
          ++literals;
        else
          match = false;
      }
      if (match && literals > best_literals) best = tpl, best_literals = literals;
    }
    return best;
  }

  // Checks Content-Type and body against `response`'s content; problems go to `fail`.
  template <class Fail>
  void check_content(const std::string& where, const json& response, const std::string& method, long status,
                     const std::map<std::string, std::string>& headers, const std::string& body, Fail&& fail) {
    const json content = response.value("content", json::object());
    if (content.empty()) {
      if (!body.empty()) fail("a body where the document describes none");
      return;
    }
    if (method == "HEAD" || status == 304) return;
    auto ct = headers.count("content-type") ? headers.at("content-type") : std::string();
    auto media = media_type(ct);
    std::string documented;
    for (const auto& [type, entry] : content.items()) {
      auto t = lower(type);
      documented += (documented.empty() ? "" : ", ") + type;
      bool match = t == media || t == "*/*" || (t.ends_with("/*") && media.starts_with(t.substr(0, t.size() - 1)));
      if (!match) continue;
      if (!entry.contains("schema")) return;
      json value = body;
      if (is_json_media(media)) {
        value = json::parse(body, nullptr, false);
        if (value.is_discarded()) return fail("the body is not JSON");
      }
      for (const auto& p : schema(where + " " + type, entry["schema"])->validate(value))
        fail("body " + (p.pointer.empty() ? std::string("(root)") : p.pointer) + ": " + p.message);
      return;
    }
    fail("Content-Type '" + ct + "' is not one the document gives (" + documented + ")");
  }
};

OpenApiContract::OpenApiContract(json document) : impl_(std::make_unique<Impl>()) {
  impl_->doc = std::move(document);
  const json schemas = impl_->doc["components"].value("schemas", json::object());
  for (const auto& [name, s] : schemas.items()) impl_->definitions[name] = to_json_schema(s);
}

OpenApiContract::~OpenApiContract() = default;

const OpenApiContract& OpenApiContract::gateway() {
  static const OpenApiContract contract(read_json_file(std::string(build_info::kSchemasDir) + "/api/openapi.json"));
  return contract;
}

std::vector<std::string> OpenApiContract::check(const std::string& method, const std::string& target,
                                                bool request_had_body, long status,
                                                const std::map<std::string, std::string>& headers,
                                                const std::string& body) const {
  std::vector<std::string> out;
  if (status == 0) return out;  // nothing answered: not a response
  auto& d = *impl_;
  const auto path = target.substr(0, target.find('?'));
  std::string where = method + " " + path + " -> " + std::to_string(status);
  auto fail = [&](const std::string& what) { out.push_back(where + ": " + what); };

  const auto tpl = d.path_template(path);
  const json* operation = nullptr;
  if (tpl) {
    const auto& item = d.doc["paths"][*tpl];
    auto key = lower(method);
    if (key == "head" && !item.contains("head")) key = "get";  // HEAD is GET without the body
    if (item.contains(key)) operation = &item[key];
  }
  if (!operation) {
    // Outside the document the gateway may only refuse: 404 for a path it does not serve, 405 for a
    // method the path does not take, as a problem.
    const long expected = tpl ? 405 : 404;
    if (status != expected) fail("not in the document, so it must be " + std::to_string(expected));
    json problem = {
        {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
    d.check_content("undocumented", problem, method, status, headers, body, fail);
    return out;
  }
  where = method + " " + *tpl + " -> " + std::to_string(status);
  if (request_had_body && !operation->contains("requestBody"))
    fail("a request body was sent, but the operation describes none");

  const json& responses = (*operation)["responses"];
  const auto code = std::to_string(status);
  const json* response = nullptr;
  for (const auto& key : {code, code.substr(0, 1) + "XX", std::string("default")})
    if (!response && responses.contains(key)) response = &responses[key];
  if (!response) {
    std::string documented;
    for (const auto& [k, _] : responses.items()) documented += (documented.empty() ? "" : ", ") + k;
    fail("status not documented (only " + documented + ")");
    return out;
  }
  const json& r = d.resolve(*response);
  const json documented_headers = r.value("headers", json::object());
  for (const auto& [name, entry] : documented_headers.items()) {
    const json& h = d.resolve(entry);
    const auto key = lower(name);
    if (key == "content-type") continue;  // described by `content`
    auto it = headers.find(key);
    if (it == headers.end()) {
      if (h.value("required", false)) fail("header " + name + " is required but missing");
      continue;
    }
    if (!h.contains("schema")) continue;
    for (const auto& p :
         d.schema(where + " header " + key, h["schema"])->validate(header_value(it->second, h["schema"])))
      fail("header " + name + " '" + it->second + "': " + p.message);
  }
  d.check_content(where, r, method, status, headers, body, fail);
  return out;
}

}  // namespace sdp::test
