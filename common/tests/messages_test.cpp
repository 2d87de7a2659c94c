#include <gtest/gtest.h>

#include "sdp/build_info.hpp"
#include "sdp/messages.hpp"

using nlohmann::json;
using sdp::Language;
using sdp::preferred_language;

namespace {

const json kSchema = json::parse(R"({
  "type": "object",
  "x-label": {"en": "a sample", "zh": "样例"},
  "required": ["level", "name"],
  "additionalProperties": false,
  "properties": {
    "level": {"type": "integer", "minimum": 1, "maximum": 5},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "name": {"type": "string", "minLength": 1, "maxLength": 20},
    "code": {"type": "string", "minLength": 4, "pattern": "^[0-9]+$"},
    "region": {"type": "string", "pattern": "^[0-9]{6}$",
               "x-format": {"en": "a six-digit code", "zh": "六位代码"}},
    "decision": {"enum": ["approve", "return", "reject"]},
    "flag": {"type": "boolean"},
    "contact": {"$ref": "#/definitions/contact"},
    "items": {"type": "object", "minProperties": 1, "maxProperties": 2,
              "additionalProperties": {"type": "object", "properties": {"met": {"type": "boolean"}}}}
  },
  "definitions": {
    "contact": {"type": "object", "additionalProperties": false, "required": ["phone"],
                "properties": {"phone": {"type": "string"}, "email": {"type": "string"}}}
  }
})");

const json kValid = {{"level", 3}, {"name", "n"}};

// The problem at `pointer` when `change` is applied to a valid document.
sdp::SchemaProblem problem_at(const std::function<void(json&)>& change, const std::string& pointer) {
  auto document = kValid;
  change(document);
  for (const auto& p : sdp::JsonSchema(kSchema).validate(document))
    if (p.pointer == pointer) return p;
  ADD_FAILURE() << "no problem at " << pointer << " for " << document.dump();
  return {};
}

void expect_plain(const sdp::SchemaProblem& p) {
  for (const auto* text : {&p.message, &p.message_zh}) {
    EXPECT_FALSE(text->empty()) << p.pointer;
    for (const char* raw : {"could not be validated", "constraint", "Failed to", "Expected number", "String should",
                            "Object should", "Value type", "Missing required"})
      EXPECT_EQ(text->find(raw), std::string::npos) << p.pointer << ": " << *text;
  }
}

}  // namespace

TEST(SchemaMessages, EachKindOfProblemInPlainEnglishAndChinese) {
  struct Case {
    const char* name;
    std::function<void(json&)> change;
    std::string pointer, en, zh;
  };
  const std::vector<Case> cases = {
      {"unknown field", [](json& d) { d["kind"] = 1; }, "/kind",
       "unknown field 'kind': a sample takes only level, name, code, contact, decision, flag, items, ratio, region",
       "未知字段 kind：样例只接受 level、name、code、contact、decision、flag、items、ratio、region"},
      {"unknown field of an object without a label",
       [](json& d) {
         d["contact"] = {{"phone", "1"}, {"fax", "2"}};
       },
       "/contact/fax", "unknown field 'fax': only phone, email are accepted here",
       "未知字段 fax：此处只接受 phone、email"},
      {"required", [](json& d) { d.erase("name"); }, "/name", "'name' is required", "缺少必填字段 name"},
      {"required through $ref", [](json& d) { d["contact"] = json::object(); }, "/contact/phone", "'phone' is required",
       "缺少必填字段 phone"},
      {"enum", [](json& d) { d["decision"] = "maybe"; }, "/decision", "must be one of approve, return, reject",
       "必须是 approve、return、reject 之一"},
      {"integer", [](json& d) { d["level"] = "3"; }, "/level", "must be a whole number", "必须是整数"},
      {"string", [](json& d) { d["name"] = 7; }, "/name", "must be text", "必须是文本"},
      {"boolean", [](json& d) { d["flag"] = "yes"; }, "/flag", "must be true or false", "必须是 true 或 false"},
      {"object", [](json& d) { d["items"] = json::array(); }, "/items", "must be an object", "必须是对象"},
      {"maximum", [](json& d) { d["level"] = 6; }, "/level", "must be at most 5", "不能大于 5"},
      {"minimum", [](json& d) { d["level"] = 0; }, "/level", "must be at least 1", "不能小于 1"},
      {"exclusive maximum", [](json& d) { d["ratio"] = 1; }, "/ratio", "must be less than 1", "必须小于 1"},
      {"exclusive minimum", [](json& d) { d["ratio"] = 0; }, "/ratio", "must be greater than 0", "必须大于 0"},
      {"too long", [](json& d) { d["name"] = std::string(21, 'a'); }, "/name", "must be at most 20 characters long",
       "不能超过 20 个字符"},
      {"empty", [](json& d) { d["name"] = ""; }, "/name", "must not be empty", "不能为空"},
      {"too short", [](json& d) { d["code"] = "12"; }, "/code", "must be at least 4 characters long",
       "不能少于 4 个字符"},
      {"pattern", [](json& d) { d["code"] = "12ab"; }, "/code", "is not in the expected format", "格式不正确"},
      {"pattern with a format", [](json& d) { d["region"] = "3701"; }, "/region", "must be a six-digit code",
       "必须是六位代码"},
      {"too many entries",
       [](json& d) {
         d["items"] = {{"a", json::object()}, {"b", json::object()}, {"c", json::object()}};
       },
       "/items", "may have at most 2 entries", "最多 2 项"},
      {"no entries", [](json& d) { d["items"] = json::object(); }, "/items", "must not be empty", "不能为空"},
      {"inside a map",
       [](json& d) {
         d["items"] = {{"MS/01", {{"met", 1}}}};
       },
       "/items/MS~101/met", "must be true or false", "必须是 true 或 false"},
  };
  for (const auto& c : cases) {
    auto p = problem_at(c.change, c.pointer);
    EXPECT_EQ(p.message, c.en) << c.name;
    EXPECT_EQ(p.message_zh, c.zh) << c.name;
    expect_plain(p);
  }
}

TEST(SchemaMessages, AnUpdateNamesTheFieldsItTakes) {
  auto schema =
      sdp::JsonSchema::from_file(std::string(sdp::build_info::kSchemasDir) + "/api/declaration.update.schema.json");
  auto problems = schema.validate(
      json::parse(R"({"kind": "x", "title": "t", "contact": {"name": "n", "phone": "1234567"}, "payload": {}})"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "/kind");
  EXPECT_EQ(problems[0].message, "unknown field 'kind': an update takes only title, contact, org_name, payload");
  EXPECT_EQ(problems[0].message_zh, "未知字段 kind：修改只接受 title、contact、org_name、payload");
}

TEST(SchemaMessages, AnyDescriptionValijsonMayWriteBecomesPlainWords) {
  for (const char* raw :
       {"Failed to validate against schema associated with property name 'x'.",
        "Failed to validate against additional properties schema", "Failed to validate item #0 in array.",
        "Failed to match expected value set by 'const' constraint.", "Missing dependency 'x'.",
        "Something valijson may write one day"}) {
    auto p = sdp::plain_schema_problem({"/x", raw, ""}, kSchema);
    EXPECT_EQ(p.pointer, "/x");
    expect_plain(p);
  }
}

TEST(AcceptLanguage, PrefersChineseOnlyWhenItOutranksEnglish) {
  struct Case {
    const char* header;
    Language expected;
  };
  for (const auto& c : std::vector<Case>{{"", Language::en},
                                         {"zh", Language::zh},
                                         {"zh-CN", Language::zh},
                                         {"ZH-cn", Language::zh},
                                         {"zh-CN,zh;q=0.9,en;q=0.8", Language::zh},
                                         {"en, zh;q=0.5", Language::en},
                                         {"en-US,en;q=0.9,zh-CN;q=0.8", Language::en},
                                         {"en;q=0.5, zh;q=0.6", Language::zh},
                                         {"fr, zh;q=0.3", Language::zh},
                                         {"fr", Language::en},
                                         {"*", Language::en},
                                         {"zh, en", Language::zh},
                                         {"en, zh", Language::en},
                                         {"zh;q=0", Language::en},
                                         {"zh;q=bad", Language::en},
                                         {"zhx", Language::en},
                                         {" zh-Hans-CN ; q=1 ", Language::zh},
                                         {",,;,zh", Language::zh}})
    EXPECT_EQ(preferred_language(c.header), c.expected) << '"' << c.header << '"';
}

TEST(AcceptLanguage, ChineseTextFallsBackToEnglishWhenMissing) {
  EXPECT_EQ(sdp::in(Language::zh, {"Not found", "未找到"}), "未找到");
  EXPECT_EQ(sdp::in(Language::en, {"Not found", "未找到"}), "Not found");
  EXPECT_EQ(sdp::in(Language::zh, {"Not found", ""}), "Not found");
}
