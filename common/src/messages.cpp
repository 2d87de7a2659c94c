#include "sdp/messages.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sdp {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_language(const std::string& tag, std::string_view language) {
  return tag == language || (tag.size() > language.size() && tag.starts_with(language) && tag[language.size()] == '-');
}

// "zh-CN;q=0.8" -> 0.8; a missing q is 1, a malformed one 0 (the range is ignored).
double quality(std::string_view params) {
  double q = 1;
  while (!params.empty()) {
    auto semi = params.find(';');
    auto param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    auto value = param.substr(2);
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
    if (ec != std::errc{} || end != value.data() + value.size() || q < 0 || q > 1) return 0;
  }
  return q;
}

std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= pointer.size() && !pointer.empty()) {
    auto slash = pointer.find('/', start);
    auto token = pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string plain;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size())
        plain += token[++i] == '1' ? '/' : '~';
      else
        plain += token[i];
    }
    out.push_back(std::move(plain));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// Follows local "$ref"s ("#/definitions/…"), a bounded number of times.
const json* resolved(const json& root, const json* node) {
  for (int i = 0; i < 16 && node && node->is_object(); ++i) {
    auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string()) return node;
    auto target = ref->get<std::string>();
    if (!target.starts_with("#")) return nullptr;
    try {
      node = &root.at(json::json_pointer(target.substr(1)));
    } catch (const json::exception&) {
      return nullptr;
    }
  }
  return node;
}

// The subschema that applies to the document's value at the first `depth` tokens of `path`.
const json* schema_at(const json& root, const std::vector<std::string>& path, size_t depth) {
  const json* node = resolved(root, &root);
  for (size_t i = 0; i < depth && node && node->is_object(); ++i) {
    auto properties = node->find("properties");
    auto additional = node->find("additionalProperties");
    auto items = node->find("items");
    if (properties != node->end() && properties->is_object() && properties->contains(path[i]))
      node = &properties->at(path[i]);
    else if (additional != node->end() && additional->is_object())
      node = &*additional;
    else if (items != node->end() && items->is_object())
      node = &*items;
    else
      return nullptr;
    node = resolved(root, node);
  }
  return node && node->is_object() ? node : nullptr;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

// A value as a person writes it: strings without quotes, numbers as in the schema.
std::string shown(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The schema's number under `keyword`, else the first number in valijson's description ("5.000000" -> "5").
std::string limit(const json* node, const char* keyword, const std::string& description) {
  if (node && node->contains(keyword) && (*node)[keyword].is_number()) return (*node)[keyword].dump();
  auto at = description.find_first_of("-0123456789");
  if (at == std::string::npos) return "?";
  auto end = description.find_first_not_of("-0123456789.", at);
  auto n = description.substr(at, end == std::string::npos ? std::string::npos : end - at);
  if (n.find('.') != std::string::npos) {
    while (n.back() == '0') n.pop_back();
    if (n.back() == '.') n.pop_back();
  }
  return n;
}

Text label_of(const json* node, const char* key) {
  if (!node || !node->contains(key) || !(*node)[key].is_object()) return {};
  const auto& l = (*node)[key];
  return {l.value("en", ""), l.value("zh", "")};
}

// The name quoted at the end of a description: "… 'kind'." -> kind.
std::string quoted_name(const std::string& description) {
  auto close = description.rfind('\'');
  if (close == std::string::npos || close == 0) return {};
  auto open = description.rfind('\'', close - 1);
  return open == std::string::npos ? std::string() : description.substr(open + 1, close - open - 1);
}

Text type_text(const json* node) {
  static const std::map<std::string, Text> names = {
      {"string", {"text", "文本"}},      {"integer", {"a whole number", "整数"}},
      {"number", {"a number", "数字"}},  {"boolean", {"true or false", "true 或 false"}},
      {"object", {"an object", "对象"}}, {"array", {"a list", "数组"}},
      {"null", {"null", "null"}}};
  std::vector<std::string> types;
  if (node && node->contains("type")) {
    const auto& t = (*node)["type"];
    if (t.is_string())
      types.push_back(t.get<std::string>());
    else if (t.is_array())
      for (const auto& x : t)
        if (x.is_string()) types.push_back(x.get<std::string>());
  }
  std::vector<std::string> en, zh;
  for (const auto& t : types)
    if (auto it = names.find(t); it != names.end()) {
      en.push_back(it->second.en);
      zh.push_back(it->second.zh);
    }
  if (en.empty()) return {"of another type", "类型不对"};
  auto zh_types = join(zh, "或");
  return {"must be " + join(en, " or "),
          "必须是" + std::string(static_cast<unsigned char>(zh_types[0]) < 0x80 ? " " : "") + zh_types};
}

Text describe(const std::string& d, const std::vector<std::string>& path, const json& root) {
  const json* here = schema_at(root, path, path.size());
  if (d.starts_with("Object contains a property that could not be validated")) {
    const std::string field = path.empty() ? quoted_name(d) : path.back();
    const json* object = path.empty() ? nullptr : schema_at(root, path, path.size() - 1);
    // The required fields first, in the schema's order, then the optional ones.
    std::vector<std::string> accepted;
    if (object && object->contains("properties") && (*object)["properties"].is_object()) {
      const auto& properties = (*object)["properties"];
      for (const auto& r : object->value("required", json::array()))
        if (r.is_string() && properties.contains(r.get<std::string>())) accepted.push_back(r.get<std::string>());
      for (const auto& [name, _] : properties.items())
        if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) accepted.push_back(name);
    }
    auto label = label_of(object, "x-label");
    if (accepted.empty())
      return {"unknown field '" + field + "': no fields are accepted here",
              "未知字段 " + field + "：此处不接受任何字段"};
    if (label.en.empty())
      return {"unknown field '" + field + "': only " + join(accepted, ", ") + " are accepted here",
              "未知字段 " + field + "：此处只接受 " + join(accepted, "、")};
    return {"unknown field '" + field + "': " + label.en + " takes only " + join(accepted, ", "),
            "未知字段 " + field + "：" + label.zh + "只接受 " + join(accepted, "、")};
  }
  if (d.starts_with("Missing required property")) {
    const std::string field = path.empty() ? quoted_name(d) : path.back();
    return {"'" + field + "' is required", "缺少必填字段 " + field};
  }
  if (d.starts_with("Failed to match against any enum values")) {
    std::vector<std::string> values;
    if (here && here->contains("enum") && (*here)["enum"].is_array())
      for (const auto& v : (*here)["enum"]) values.push_back(shown(v));
    if (values.empty()) return {"is not one of the accepted values", "不是允许的取值"};
    if (values.size() == 1) return {"must be " + values[0], "必须是 " + values[0]};
    return {"must be one of " + join(values, ", "), "必须是 " + join(values, "、") + " 之一"};
  }
  if (d.starts_with("Value type not permitted")) return type_text(here);
  if (d.starts_with("Expected number less than or equal to")) {
    auto n = limit(here, "maximum", d);
    return {"must be at most " + n, "不能大于 " + n};
  }
  if (d.starts_with("Expected number less than")) {
    auto n = limit(here, "exclusiveMaximum", d);
    return {"must be less than " + n, "必须小于 " + n};
  }
  if (d.starts_with("Expected number greater than or equal to")) {
    auto n = limit(here, "minimum", d);
    return {"must be at least " + n, "不能小于 " + n};
  }
  if (d.starts_with("Expected number greater than")) {
    auto n = limit(here, "exclusiveMinimum", d);
    return {"must be greater than " + n, "必须大于 " + n};
  }
  if (d.starts_with("String should be no more than")) {
    auto n = limit(here, "maxLength", d);
    return {"must be at most " + n + " characters long", "不能超过 " + n + " 个字符"};
  }
  if (d.starts_with("String should be no fewer than")) {
    auto n = limit(here, "minLength", d);
    if (n == "1") return {"must not be empty", "不能为空"};
    return {"must be at least " + n + " characters long", "不能少于 " + n + " 个字符"};
  }
  if (d.starts_with("Object should have no more than") || d.starts_with("Array should contain no more than")) {
    auto n = limit(here, d.starts_with("Object") ? "maxProperties" : "maxItems", d);
    return {"may have at most " + n + " entries", "最多 " + n + " 项"};
  }
  if (d.starts_with("Object should have no fewer than") || d.starts_with("Array should contain no fewer than")) {
    auto n = limit(here, d.starts_with("Object") ? "minProperties" : "minItems", d);
    if (n == "1") return {"must not be empty", "不能为空"};
    return {"must have at least " + n + " entries", "至少 " + n + " 项"};
  }
  if (d.starts_with("Failed to match regex") || d.starts_with("String should be a valid")) {
    auto format = label_of(here, "x-format");
    if (!format.en.empty()) return {"must be " + format.en, "必须是" + format.zh};
    return {"is not in the expected format", "格式不正确"};
  }
  if (d.starts_with("Failed to validate against schema associated with property name")) {
    auto field = quoted_name(d);
    return {"'" + field + "' is not valid", "字段 " + field + " 不符合要求"};
  }
  if (d.starts_with("Value should be a multiple of")) {
    auto n = limit(here, "multipleOf", d);
    return {"must be a multiple of " + n, "必须是 " + n + " 的倍数"};
  }
  return {"is not valid", "不符合要求"};
}

}  // namespace

Language preferred_language(std::string_view header) {
  double zh_q = 0, en_q = 0;
  size_t zh_at = std::string_view::npos, en_at = std::string_view::npos;
  for (size_t index = 0; !header.empty(); ++index) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto semi = item.find(';');
    auto tag = lower(trim(item.substr(0, semi)));
    double q = semi == std::string_view::npos ? 1 : quality(item.substr(semi + 1));
    if (q <= 0) continue;
    bool any = tag == "*";
    if ((any || is_language(tag, "zh")) && q > zh_q) zh_q = q, zh_at = index;
    if ((any || is_language(tag, "en")) && q > en_q) en_q = q, en_at = index;
  }
  return zh_q > en_q || (zh_q > 0 && zh_q == en_q && zh_at < en_at) ? Language::zh : Language::en;
}

SchemaProblem plain_schema_problem(const SchemaProblem& raw, const nlohmann::json& schema) {
  auto text = describe(raw.message, pointer_tokens(raw.pointer), schema);
  return {raw.pointer, std::move(text.en), std::move(text.zh)};
}

}  // namespace sdp
