#include "sdp/commands.hpp"

#include <algorithm>

#include "sdp/json_parse.hpp"

namespace sdp::cmd {
namespace {

using nlohmann::json;

const Text kUnknownCaller{"Unknown caller", "无法识别调用者"};

// Reads one command message, collecting every structural problem under the pointer the HTTP
// request would have: body members at "/<name>", query parameters at "/query/<name>".
class Reader {
 public:
  explicit Reader(const json& message) : message_(message) {}

  Result<Actor> actor() const {
    auto it = message_.find("actor");
    auto a = it == message_.end() ? std::expected<Actor, std::string>(std::unexpected("actor missing"))
                                  : Actor::from_json(*it);
    if (!a) return refuse({ProblemKind::unauthenticated, kUnknownCaller, {a.error(), "调用者信息不完整"}, {}});
    return *a;
  }

  std::string id() {
    auto it = message_.find("id");
    if (it != message_.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) return *it;
    add("/id", {"an id is required", "缺少编号"});
    return {};
  }

  std::optional<int64_t> expected_version() const {
    auto it = message_.find("expected_version");
    if (it == message_.end() || !it->is_number_integer() || it->get<int64_t>() < 1) return std::nullopt;
    return it->get<int64_t>();
  }

  // A member of "body" (section "body") or "query" (section "query").
  const json* member(const char* section, const char* key) const {
    auto s = message_.find(section);
    if (s == message_.end() || !s->is_object()) return nullptr;
    auto it = s->find(key);
    return it == s->end() || it->is_null() ? nullptr : &*it;
  }

  static std::string pointer(const char* section, const char* key) {
    return std::string(section) == "query" ? std::string("/query/") + key : std::string("/") + key;
  }

  std::optional<std::string> string(const char* section, const char* key, bool required) {
    const json* v = member(section, key);
    if (v && v->is_string()) return v->get<std::string>();
    if (v || required) add(pointer(section, key), {"must be a string", "必须是文字"});
    return std::nullopt;
  }

  std::optional<int> integer(const char* section, const char* key, bool required) {
    const json* v = member(section, key);
    if (v && v->is_number_integer() && v->get<int64_t>() >= INT32_MIN && v->get<int64_t>() <= INT32_MAX)
      return v->get<int>();
    if (v || required) add(pointer(section, key), {"must be a whole number", "必须是整数"});
    return std::nullopt;
  }

  std::optional<double> number(const char* section, const char* key, bool required) {
    const json* v = member(section, key);
    if (v && v->is_number()) return v->get<double>();
    if (v || required) add(pointer(section, key), {"must be a number", "必须是数字"});
    return std::nullopt;
  }

  // An array of strings (required), each problem at its index.
  std::vector<std::string> strings(const char* section, const char* key) {
    std::vector<std::string> out;
    const json* a = member(section, key);
    if (!a || !a->is_array()) {
      add(pointer(section, key), {"must be an array of strings", "必须是文字的数组"});
      return out;
    }
    for (size_t i = 0; i < a->size(); ++i) {
      if ((*a)[i].is_string())
        out.push_back((*a)[i].get<std::string>());
      else
        add(pointer(section, key) + "/" + std::to_string(i), {"must be a string", "必须是文字"});
    }
    return out;
  }

  std::optional<bool> boolean(const char* section, const char* key) {
    const json* v = member(section, key);
    if (v && v->is_boolean()) return v->get<bool>();
    if (v) add(pointer(section, key), {"must be true or false", "必须是 true 或 false"});
    return std::nullopt;
  }

  std::optional<ReviewDays> review_days(bool required) {
    const json* o = object("body", "review_working_days", required);
    if (!o) return std::nullopt;
    ReviewDays d;
    for (auto [key, field] : {std::pair{"county", &d.county}, {"city", &d.city}, {"province", &d.province}}) {
      auto it = o->find(key);
      if (it != o->end() && it->is_number_integer())
        *field = it->get<int>();
      else
        add(std::string("/review_working_days/") + key, {"must be a whole number", "必须是整数"});
    }
    return d;
  }

  std::optional<std::map<std::string, int>> quotas(bool required) {
    const json* o = object("body", "quotas", required);
    if (!o) return std::nullopt;
    std::map<std::string, int> q;
    for (const auto& [city, n] : o->items()) {
      if (n.is_number_integer())
        q[city] = n.get<int>();
      else
        add("/quotas/" + city, {"must be a whole number", "必须是整数"});
    }
    return q;
  }

  const json* object(const char* section, const char* key, bool required) {
    const json* v = member(section, key);
    if (v && v->is_object()) return v;
    if (v || required) add(pointer(section, key), {"must be an object", "必须是对象"});
    return nullptr;
  }

  template <class E>
  std::optional<E> enumerated(const char* section, const char* key, bool required,
                              std::optional<E> (*parse)(std::string_view), const Text& expected) {
    auto s = string(section, key, required);
    if (!s) return std::nullopt;
    auto e = parse(*s);
    if (!e) add(pointer(section, key), expected);
    return e;
  }

  int limit() {
    const json* v = member("query", "limit");
    if (!v) return kDefaultPageSize;
    if (v->is_number_integer() && v->get<int64_t>() >= 1 && v->get<int64_t>() <= kMaxPageSize) return v->get<int>();
    add("/query/limit", {"must be a whole number from 1 to " + std::to_string(kMaxPageSize),
                         "必须是 1 到 " + std::to_string(kMaxPageSize) + " 之间的整数"});
    return kDefaultPageSize;
  }

  std::optional<PageCursor> cursor() {
    auto s = string("query", "cursor", false);
    if (!s) return std::nullopt;
    auto c = decode_cursor(*s);
    if (!c) add("/query/cursor", {"not a cursor this API issued", "无效的翻页标记"});
    return c;
  }

  // A draft's contact may be left out or hold empty members (checked at submit); an empty e-mail is none.
  std::optional<Contact> contact() {
    const json* o = object("body", "contact", false);
    if (!o) return std::nullopt;
    Contact c;
    auto text = [&](const char* key) -> const json* {
      auto it = o->find(key);
      return it == o->end() || it->is_null() ? nullptr : &*it;
    };
    for (const char* key : {"name", "phone"}) {
      const json* v = text(key);
      if (v && v->is_string())
        (std::string_view(key) == "name" ? c.name : c.phone) = v->get<std::string>();
      else if (v)
        add(std::string("/contact/") + key, {"must be a string", "必须是文字"});
    }
    if (const json* v = text("email")) {
      if (v->is_string()) {
        if (!v->get_ref<const std::string&>().empty()) c.email = v->get<std::string>();
      } else
        add("/contact/email", {"must be a string", "必须是文字"});
    }
    return c;
  }

  // A creation's or a change's request_key (commands.hpp): 64 lowercase hex digits when given.
  std::optional<std::string> request_key() {
    auto it = message_.find("request_key");
    if (it == message_.end() || it->is_null()) return std::nullopt;
    auto hex = [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); };
    if (it->is_string() && it->get_ref<const std::string&>().size() == 64 &&
        std::ranges::all_of(it->get_ref<const std::string&>(), hex))
      return it->get<std::string>();
    add("/request_key", {"must be 64 lowercase hex digits", "必须是 64 位小写十六进制数字"});
    return std::nullopt;
  }

  void add(std::string pointer, const Text& message) {
    problems_.push_back({std::move(pointer), message.en, message.zh});
  }

  // The command, or every problem found reading it.
  template <class C>
  Result<C> done(C command) const {
    if (!problems_.empty()) return refuse(Problem::invalid(problems_));
    return command;
  }

 private:
  const json& message_;
  std::vector<SchemaProblem> problems_;
};

const Text kRoundStateExpected{"must be scheduled, open or closed",
                               "必须是 scheduled（未开始）、open（申报中）或 closed（已截止）"};

json review_days_json(const ReviewDays& d) {
  return {{"county", d.county}, {"city", d.city}, {"province", d.province}};
}

json with_actor(const Actor& actor) { return {{"actor", actor.to_json()}}; }

json page_query(int limit, const std::optional<PageCursor>& cursor) {
  json q = {{"limit", limit}};
  if (cursor) q["cursor"] = encode_cursor(*cursor);
  return q;
}

}  // namespace

Problem if_match_required() {
  return {ProblemKind::precondition_required,
          {"If-Match required", "缺少版本信息（If-Match）"},
          {"send the ETag you last read as If-Match", "请在 If-Match 中带上最后读取的 ETag，或刷新后重试"},
          {}};
}

namespace {

// The actor and the fields every command about one declaration has.
template <class C>
Result<C> about_one(Reader& r) {
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  C c;
  c.actor = *actor;
  c.id = r.id();
  return c;
}

// A command about one versioned thing: also its expected version (If-Match), which it needs.
template <class C>
Result<C> about_one_version(Reader& r) {
  auto c = about_one<C>(r);
  if (!c) return c;
  auto version = r.expected_version();
  if (!version) return refuse(if_match_required());
  c->expected_version = *version;
  return c;
}

}  // namespace

Contact Contact::from_json(const json& j) {
  auto text = [&](const char* key) { return j.is_object() ? j.value(key, std::string()) : std::string(); };
  Contact c{text("name"), text("phone"), std::nullopt};
  if (auto email = text("email"); !email.empty()) c.email = std::move(email);  // an emptied e-mail is none
  return c;
}

json Contact::to_json() const {
  json j = {{"name", name}, {"phone", phone}};
  if (email) j["email"] = *email;
  return j;
}

// ---- replies ----
json to_json(const Empty&) { return json::object(); }
Result<Empty> from_json(const json&, Tag<Empty>) { return Empty{}; }

json to_json(const Document& d) { return d.body; }
Result<Document> from_json(const json& j, Tag<Document>) { return Document{j}; }

json to_json(const Declaration& d) { return d.body; }
Result<Declaration> from_json(const json& j, Tag<Declaration>) {
  auto id = j.find("id");
  auto version = j.find("version");
  if (!j.is_object() || id == j.end() || !id->is_string() || version == j.end() || !version->is_number_integer())
    return refuse(Problem::invalid("", {"a declaration needs its id and version", "申报缺少编号或版本"}));
  return Declaration{id->get<std::string>(), version->get<int64_t>(), j};
}

Serialized serialized(const Declaration& d) {
  return {d.id, d.version, d.body.dump(-1, ' ', false, json::error_handler_t::replace)};
}
Serialized serialized(const Document& d) {
  return {"", 0, d.body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

json to_json(const Round& d) { return d.body; }
Result<Round> from_json(const json& j, Tag<Round>) {
  auto id = j.find("id");
  auto version = j.find("version");
  if (!j.is_object() || id == j.end() || !id->is_string() || version == j.end() || !version->is_number_integer())
    return refuse(Problem::invalid("", {"a round needs its id and version", "申报批次缺少编号或版本"}));
  return Round{id->get<std::string>(), version->get<int64_t>(), j};
}

std::string_view name(RoundState s) {
  switch (s) {
    case RoundState::scheduled: return "scheduled";
    case RoundState::open: return "open";
    case RoundState::closed: return "closed";
  }
  return "closed";
}

std::optional<RoundState> parse_round_state(std::string_view s) {
  for (auto r : {RoundState::scheduled, RoundState::open, RoundState::closed})
    if (name(r) == s) return r;
  return std::nullopt;
}

// ---- workflow ----
json to_json(const Ping&) { return json::object(); }
Result<Ping> from_json(const json&, Tag<Ping>) { return Ping{}; }

json to_json(const CreateDeclaration& c) {
  auto j = with_actor(c.actor);
  j["body"] = {{"round", c.round},
               {"region", c.region},
               {"title", c.title},
               {"contact", c.contact.to_json()},
               {"payload", c.payload}};
  if (c.kind) j["body"]["kind"] = name(*c.kind);
  if (c.org_name) j["body"]["org_name"] = *c.org_name;
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<CreateDeclaration> from_json(const json& j, Tag<CreateDeclaration>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  CreateDeclaration c;
  c.actor = *actor;
  c.kind = r.enumerated<Kind>("body", "kind", false, parse_kind, kKindExpected);
  c.round = r.string("body", "round", true).value_or("");
  c.org_name = r.string("body", "org_name", false);
  c.region = r.string("body", "region", true).value_or("");
  c.title = r.string("body", "title", true).value_or("");
  c.contact = r.contact().value_or(Contact{});
  if (const json* p = r.object("body", "payload", false)) c.payload = *p;
  c.request_key = r.request_key();
  return r.done(std::move(c));
}

json to_json(const GetDeclaration& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<GetDeclaration> from_json(const json& j, Tag<GetDeclaration>) {
  Reader r(j);
  auto c = about_one<GetDeclaration>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const UpdateDeclaration& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["expected_version"] = c.expected_version;
  j["body"] = {{"title", c.title}};
  if (c.contact) j["body"]["contact"] = c.contact->to_json();
  if (c.payload) j["body"]["payload"] = *c.payload;
  if (c.org_name) j["body"]["org_name"] = *c.org_name;
  return j;
}
Result<UpdateDeclaration> from_json(const json& j, Tag<UpdateDeclaration>) {
  Reader r(j);
  auto c = about_one_version<UpdateDeclaration>(r);
  if (!c) return c;
  c->title = r.string("body", "title", true).value_or("");
  c->org_name = r.string("body", "org_name", false);
  c->contact = r.contact();
  if (const json* p = r.object("body", "payload", false)) c->payload = *p;
  return r.done(std::move(*c));
}

template <class C>
json transition_to_json(const C& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  if (c.expected_version) j["expected_version"] = *c.expected_version;
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
template <class C>
Result<C> transition_from_json(const json& j) {
  Reader r(j);
  auto c = about_one<C>(r);
  if (!c) return c;
  c->expected_version = r.expected_version();
  c->request_key = r.request_key();
  return r.done(std::move(*c));
}
json to_json(const SubmitDeclaration& c) { return transition_to_json(c); }
Result<SubmitDeclaration> from_json(const json& j, Tag<SubmitDeclaration>) {
  return transition_from_json<SubmitDeclaration>(j);
}
json to_json(const WithdrawDeclaration& c) { return transition_to_json(c); }
Result<WithdrawDeclaration> from_json(const json& j, Tag<WithdrawDeclaration>) {
  return transition_from_json<WithdrawDeclaration>(j);
}

json to_json(const DecideDeclaration& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["expected_version"] = c.expected_version;
  j["body"] = {{"decision", name(c.decision)}, {"comment", c.comment}};
  if (c.verified) j["body"]["verified"] = *c.verified;
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<DecideDeclaration> from_json(const json& j, Tag<DecideDeclaration>) {
  Reader r(j);
  auto c = about_one_version<DecideDeclaration>(r);
  if (!c) return c;
  c->decision = r.enumerated<Decision>(
                     "body", "decision", true, parse_decision,
                     {"must be approve, return or reject", "必须是 approve（通过）、return（退回）或 reject（不通过）"})
                    .value_or(Decision::approve);
  c->comment = r.string("body", "comment", false).value_or("");
  if (const json* v = r.object("body", "verified", false)) c->verified = *v;
  c->request_key = r.request_key();
  return r.done(std::move(*c));
}

json to_json(const ListDeclarations& c) {
  auto j = with_actor(c.actor);
  j["query"] = page_query(c.limit, c.cursor);
  if (c.state) j["query"]["state"] = name(*c.state);
  if (c.kind) j["query"]["kind"] = name(*c.kind);
  if (c.valid_until_before) j["query"]["valid_until_before"] = *c.valid_until_before;
  return j;
}
Result<ListDeclarations> from_json(const json& j, Tag<ListDeclarations>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  ListDeclarations c;
  c.actor = *actor;
  c.state = r.enumerated<State>("query", "state", false, parse_state, {"unknown state", "未知的状态"});
  c.kind = r.enumerated<Kind>("query", "kind", false, parse_kind, kKindExpected);
  c.valid_until_before = r.string("query", "valid_until_before", false);
  c.limit = r.limit();
  c.cursor = r.cursor();
  return r.done(std::move(c));
}

std::string_view name(QueueSort s) { return s == QueueSort::due_at ? "due_at" : "arrived_at"; }

std::optional<QueueSort> parse_queue_sort(std::string_view s) {
  for (auto q : {QueueSort::arrived_at, QueueSort::due_at})
    if (name(q) == s) return q;
  return std::nullopt;
}

namespace {
// The length of the UTF-8 sequence `lead` opens, 0 when it opens none.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

}  // namespace

std::optional<std::vector<char32_t>> utf8_code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t n = sequence_length(lead);
    if (n == 0 || i + n > s.size()) return std::nullopt;
    char32_t c = n == 1 ? lead : lead & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return std::nullopt;
      c = (c << 6) | (b & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
      return std::nullopt;
    out.push_back(c);
    i += n;
  }
  return out;
}

namespace {
bool is_space(char32_t c) { return c == U' ' || c == U'\u3000'; }
}  // namespace

std::expected<std::optional<std::string>, Text> search_term(std::string_view raw) {
  const Text too_long{"at most " + std::to_string(kMaxSearchChars) + " characters",
                      "最多 " + std::to_string(kMaxSearchChars) + " 个字"};
  // Bounded before it is decoded: 4 bytes a character at most, and spaces around.
  if (raw.size() > 4 * kMaxSearchChars + 64) return std::unexpected(too_long);
  auto points = utf8_code_points(raw);
  if (!points) return std::unexpected(Text{"must be UTF-8 text", "必须是 UTF-8 文字"});
  size_t first = 0, last = points->size();
  while (first < last && is_space((*points)[first])) ++first;
  while (last > first && is_space((*points)[last - 1])) --last;
  if (first == last) return std::nullopt;
  if (last - first > kMaxSearchChars) return std::unexpected(too_long);
  std::string out;
  for (size_t i = first; i < last; ++i) {
    const char32_t c = (*points)[i];
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      return std::unexpected(Text{"must not hold control characters", "不能含有控制字符"});
    if (c < 0x80) {
      out += static_cast<char>(c >= U'A' && c <= U'Z' ? c - U'A' + U'a' : c);
      continue;
    }
    if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    }
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

json to_json(const PendingReviews& c) {
  auto j = with_actor(c.actor);
  j["query"] = page_query(c.limit, c.cursor);
  if (c.kind) j["query"]["kind"] = name(*c.kind);
  if (c.county) j["query"]["county"] = *c.county;
  if (c.q) j["query"]["q"] = *c.q;
  if (c.round) j["query"]["round"] = *c.round;
  if (c.overdue) j["query"]["overdue"] = true;
  j["query"]["sort"] = name(c.sort);
  return j;
}
Result<PendingReviews> from_json(const json& j, Tag<PendingReviews>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  PendingReviews c;
  c.actor = *actor;
  c.kind = r.enumerated<Kind>("query", "kind", false, parse_kind, kKindExpected);
  c.county = r.string("query", "county", false);
  if (!c.county) c.county = r.string("query", "region", false);  // its name before rounds
  c.limit = r.limit();
  c.cursor = r.cursor();
  if (auto q = r.string("query", "q", false)) {
    auto term = search_term(*q);
    if (term)
      c.q = *term;
    else
      r.add("/query/q", term.error());
  }
  c.round = r.string("query", "round", false);
  c.overdue = r.boolean("query", "overdue").value_or(false);
  c.sort = r.enumerated<QueueSort>("query", "sort", false, parse_queue_sort, kQueueSortExpected)
               .value_or(QueueSort::arrived_at);
  return r.done(std::move(c));
}

json to_json(const DeclarationHistory& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<DeclarationHistory> from_json(const json& j, Tag<DeclarationHistory>) {
  Reader r(j);
  auto c = about_one<DeclarationHistory>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const DeleteDeclaration& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["expected_version"] = c.expected_version;
  return j;
}
Result<DeleteDeclaration> from_json(const json& j, Tag<DeleteDeclaration>) {
  Reader r(j);
  auto c = about_one_version<DeleteDeclaration>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const DeclarationDiff& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["query"] = json::object();
  if (c.from) j["query"]["from"] = *c.from;
  if (c.to) j["query"]["to"] = *c.to;
  return j;
}
Result<DeclarationDiff> from_json(const json& j, Tag<DeclarationDiff>) {
  Reader r(j);
  auto c = about_one<DeclarationDiff>(r);
  if (!c) return c;
  for (auto [key, field] : {std::pair{"from", &c->from}, {"to", &c->to}})
    if (auto v = r.integer("query", key, false)) {
      if (*v >= 1)
        *field = *v;
      else
        r.add(std::string("/query/") + key, {"must be a version, 1 or more", "必须是版本号（不小于 1 的整数）"});
    }
  return r.done(std::move(*c));
}

json to_json(const Statistics& c) {
  auto j = with_actor(c.actor);
  if (c.round) j["query"] = {{"round", *c.round}};
  return j;
}
Result<Statistics> from_json(const json& j, Tag<Statistics>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  Statistics c{*actor, r.string("query", "round", false)};
  return r.done(std::move(c));
}

json to_json(const CreateRound& c) {
  auto j = with_actor(c.actor);
  json quotas = json::object();
  for (const auto& [city, n] : c.quotas) quotas[city] = n;
  j["body"] = {{"kind", name(c.kind)},
               {"year", c.year},
               {"title", c.title},
               {"opens_at", c.opens_at},
               {"closes_at", c.closes_at},
               {"review_working_days", review_days_json(c.review_working_days)},
               {"quotas", quotas},
               {"publicity_working_days", c.publicity_working_days},
               {"validity_years", c.validity_years}};
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<CreateRound> from_json(const json& j, Tag<CreateRound>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  CreateRound c;
  c.actor = *actor;
  c.kind = r.enumerated<Kind>("body", "kind", true, parse_kind, kKindExpected).value_or(Kind::morning_star);
  c.year = r.integer("body", "year", true).value_or(0);
  c.title = r.string("body", "title", true).value_or("");
  c.opens_at = r.string("body", "opens_at", true).value_or("");
  c.closes_at = r.string("body", "closes_at", true).value_or("");
  c.review_working_days = r.review_days(false).value_or(ReviewDays{});
  c.quotas = r.quotas(false).value_or(std::map<std::string, int>{});
  c.publicity_working_days = r.integer("body", "publicity_working_days", false).value_or(5);
  c.validity_years = r.integer("body", "validity_years", false).value_or(3);
  c.request_key = r.request_key();
  return r.done(std::move(c));
}

json to_json(const ListRounds& c) {
  auto j = with_actor(c.actor);
  j["query"] = json::object();
  if (c.kind) j["query"]["kind"] = name(*c.kind);
  if (c.state) j["query"]["state"] = name(*c.state);
  return j;
}
Result<ListRounds> from_json(const json& j, Tag<ListRounds>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  ListRounds c;
  c.actor = *actor;
  c.kind = r.enumerated<Kind>("query", "kind", false, parse_kind, kKindExpected);
  c.state = r.enumerated<RoundState>("query", "state", false, parse_round_state, kRoundStateExpected);
  return r.done(std::move(c));
}

json to_json(const GetRound& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<GetRound> from_json(const json& j, Tag<GetRound>) {
  Reader r(j);
  auto c = about_one<GetRound>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const UpdateRound& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["expected_version"] = c.expected_version;
  json b = json::object();
  if (c.title) b["title"] = *c.title;
  if (c.opens_at) b["opens_at"] = *c.opens_at;
  if (c.closes_at) b["closes_at"] = *c.closes_at;
  if (c.review_working_days) b["review_working_days"] = review_days_json(*c.review_working_days);
  if (c.quotas) {
    json q = json::object();
    for (const auto& [city, n] : *c.quotas) q[city] = n;
    b["quotas"] = q;
  }
  if (c.publicity_working_days) b["publicity_working_days"] = *c.publicity_working_days;
  if (c.validity_years) b["validity_years"] = *c.validity_years;
  j["body"] = b;
  return j;
}
Result<UpdateRound> from_json(const json& j, Tag<UpdateRound>) {
  Reader r(j);
  auto c = about_one_version<UpdateRound>(r);
  if (!c) return c;
  c->title = r.string("body", "title", false);
  c->opens_at = r.string("body", "opens_at", false);
  c->closes_at = r.string("body", "closes_at", false);
  c->review_working_days = r.review_days(false);
  c->quotas = r.quotas(false);
  c->publicity_working_days = r.integer("body", "publicity_working_days", false);
  c->validity_years = r.integer("body", "validity_years", false);
  return r.done(std::move(*c));
}

namespace {

// A city's recommendations in a round: the actor, the round's id and the city.
template <class C>
json recommendations_to_json(const C& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["query"] = {{"city", c.city}};
  return j;
}
template <class C>
Result<C> recommendations_from_json(Reader& r) {
  auto c = about_one<C>(r);
  if (c) c->city = r.string("query", "city", true).value_or("");
  return c;
}

}  // namespace

json to_json(const GetRecommendations& c) { return recommendations_to_json(c); }
Result<GetRecommendations> from_json(const json& j, Tag<GetRecommendations>) {
  Reader r(j);
  auto c = recommendations_from_json<GetRecommendations>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const RankRecommendations& c) {
  auto j = recommendations_to_json(c);
  j["body"] = {{"ids", c.ids}};
  return j;
}
Result<RankRecommendations> from_json(const json& j, Tag<RankRecommendations>) {
  Reader r(j);
  auto c = recommendations_from_json<RankRecommendations>(r);
  if (!c) return c;
  if (const json* ids = r.member("body", "ids"); ids && ids->is_array()) {
    for (size_t i = 0; i < ids->size(); ++i) {
      if ((*ids)[i].is_string())
        c->ids.push_back((*ids)[i].get<std::string>());
      else
        r.add("/ids/" + std::to_string(i), {"must be a string", "必须是文字"});
    }
  } else {
    r.add("/ids", {"must be an array of declaration ids", "必须是申报编号的数组"});
  }
  return r.done(std::move(*c));
}

// ---- expert review and objections ----
std::string_view name(ObjectionState s) { return s == ObjectionState::open ? "open" : "resolved"; }
std::optional<ObjectionState> parse_objection_state(std::string_view s) {
  for (auto o : {ObjectionState::open, ObjectionState::resolved})
    if (name(o) == s) return o;
  return std::nullopt;
}
std::string_view name(ObjectionOutcome o) { return o == ObjectionOutcome::upheld ? "upheld" : "dismissed"; }
std::optional<ObjectionOutcome> parse_objection_outcome(std::string_view s) {
  for (auto o : {ObjectionOutcome::upheld, ObjectionOutcome::dismissed})
    if (name(o) == s) return o;
  return std::nullopt;
}

namespace {
const Text kObjectionStateExpected{"must be open or resolved", "必须是 open（待处理）或 resolved（已处理）"};
const Text kOutcomeExpected{"must be upheld or dismissed", "必须是 upheld（异议成立）或 dismissed（异议不成立）"};
}  // namespace

json to_json(const CreateExpert& c) {
  auto j = with_actor(c.actor);
  json kinds = json::array();
  for (auto k : c.kinds) kinds.push_back(name(k));
  j["body"] = {{"sub", c.sub},
               {"name", c.name},
               {"employer", c.employer ? json(*c.employer) : json(nullptr)},
               {"home_region", c.home_region},
               {"kinds", kinds}};
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<CreateExpert> from_json(const json& j, Tag<CreateExpert>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  CreateExpert c;
  c.actor = *actor;
  c.sub = r.string("body", "sub", true).value_or("");
  c.name = r.string("body", "name", true).value_or("");
  c.employer = r.string("body", "employer", false);
  c.home_region = r.string("body", "home_region", true).value_or("");
  auto kinds = r.strings("body", "kinds");
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (auto k = parse_kind(kinds[i]))
      c.kinds.push_back(*k);
    else
      r.add("/kinds/" + std::to_string(i), kKindExpected);
  }
  c.request_key = r.request_key();
  return r.done(std::move(c));
}

json to_json(const ListExperts& c) {
  auto j = with_actor(c.actor);
  j["query"] = json::object();
  if (c.kind) j["query"]["kind"] = name(*c.kind);
  return j;
}
Result<ListExperts> from_json(const json& j, Tag<ListExperts>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  ListExperts c{*actor, r.enumerated<Kind>("query", "kind", false, parse_kind, kKindExpected)};
  return r.done(std::move(c));
}

json to_json(const AssignPanel& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["body"] = {{"experts", c.experts}, {"due_at", c.due_at}};
  return j;
}
Result<AssignPanel> from_json(const json& j, Tag<AssignPanel>) {
  Reader r(j);
  auto c = about_one<AssignPanel>(r);
  if (!c) return c;
  c->experts = r.strings("body", "experts");
  c->due_at = r.string("body", "due_at", true).value_or("");
  return r.done(std::move(*c));
}

json to_json(const GetPanel& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<GetPanel> from_json(const json& j, Tag<GetPanel>) {
  Reader r(j);
  auto c = about_one<GetPanel>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const PanelCandidates& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<PanelCandidates> from_json(const json& j, Tag<PanelCandidates>) {
  Reader r(j);
  auto c = about_one<PanelCandidates>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const SubmitExpertReview& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["body"] = {{"score", c.score}, {"opinion", c.opinion}};
  if (c.items) j["body"]["items"] = *c.items;
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<SubmitExpertReview> from_json(const json& j, Tag<SubmitExpertReview>) {
  Reader r(j);
  auto c = about_one<SubmitExpertReview>(r);
  if (!c) return c;
  c->score = r.number("body", "score", true).value_or(0);
  c->opinion = r.string("body", "opinion", true).value_or("");
  if (const json* items = r.object("body", "items", false)) c->items = *items;
  c->request_key = r.request_key();
  return r.done(std::move(*c));
}

json to_json(const AssignedReviews& c) {
  auto j = with_actor(c.actor);
  j["query"] = page_query(c.limit, c.cursor);
  return j;
}
Result<AssignedReviews> from_json(const json& j, Tag<AssignedReviews>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  AssignedReviews c;
  c.actor = *actor;
  c.limit = r.limit();
  c.cursor = r.cursor();
  return r.done(std::move(c));
}

json to_json(const PublicNotices&) { return json::object(); }
Result<PublicNotices> from_json(const json&, Tag<PublicNotices>) { return PublicNotices{}; }

json to_json(const FileObjection& c) {
  json body = {{"name", c.name}, {"phone", c.phone}, {"content", c.content}};
  if (c.id_number) body["id_number"] = *c.id_number;
  if (c.org) body["org"] = *c.org;
  return {{"query", {{"number", c.number}}}, {"body", body}};
}
Result<FileObjection> from_json(const json& j, Tag<FileObjection>) {
  Reader r(j);
  FileObjection c;
  c.number = r.string("query", "number", true).value_or("");
  c.name = r.string("body", "name", true).value_or("");
  c.id_number = r.string("body", "id_number", false);
  c.org = r.string("body", "org", false);
  c.phone = r.string("body", "phone", true).value_or("");
  c.content = r.string("body", "content", true).value_or("");
  return r.done(std::move(c));
}

json to_json(const ListObjections& c) {
  auto j = with_actor(c.actor);
  j["query"] = page_query(c.limit, c.cursor);
  if (c.state) j["query"]["state"] = name(*c.state);
  return j;
}
Result<ListObjections> from_json(const json& j, Tag<ListObjections>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  ListObjections c;
  c.actor = *actor;
  c.state = r.enumerated<ObjectionState>("query", "state", false, parse_objection_state, kObjectionStateExpected);
  c.limit = r.limit();
  c.cursor = r.cursor();
  return r.done(std::move(c));
}

json to_json(const ResolveObjection& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["body"] = {{"outcome", name(c.outcome)}, {"comment", c.comment}};
  if (c.request_key) j["request_key"] = *c.request_key;
  return j;
}
Result<ResolveObjection> from_json(const json& j, Tag<ResolveObjection>) {
  Reader r(j);
  auto c = about_one<ResolveObjection>(r);
  if (!c) return c;
  c->outcome = r.enumerated<ObjectionOutcome>("body", "outcome", true, parse_objection_outcome, kOutcomeExpected)
                   .value_or(ObjectionOutcome::dismissed);
  c->comment = r.string("body", "comment", true).value_or("");
  c->request_key = r.request_key();
  return r.done(std::move(*c));
}

// ---- notify ----
json to_json(const Inbox& c) {
  auto j = with_actor(c.actor);
  j["query"] = page_query(c.limit, c.cursor);
  return j;
}
Result<Inbox> from_json(const json& j, Tag<Inbox>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  Inbox c;
  c.actor = *actor;
  c.limit = r.limit();
  c.cursor = r.cursor();
  return r.done(std::move(c));
}

json to_json(const MarkRead& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<MarkRead> from_json(const json& j, Tag<MarkRead>) {
  Reader r(j);
  auto c = about_one<MarkRead>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const MarkManyRead& c) {
  auto j = with_actor(c.actor);
  j["body"] = c.all ? json{{"all", true}} : json{{"ids", c.ids}};
  return j;
}
Result<MarkManyRead> from_json(const json& j, Tag<MarkManyRead>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  MarkManyRead c;
  c.actor = *actor;
  c.all = r.boolean("body", "all").value_or(false);
  if (const json* ids = r.member("body", "ids")) {
    if (ids->is_array() && ids->size() <= kMaxMarkRead) {
      for (size_t i = 0; i < ids->size(); ++i)
        if ((*ids)[i].is_string())
          c.ids.push_back((*ids)[i].get<std::string>());
        else
          r.add("/ids/" + std::to_string(i), {"must be a string", "必须是文字"});
    } else {
      r.add("/ids", {"must be an array of at most " + std::to_string(kMaxMarkRead) + " notification ids",
                     "必须是至多 " + std::to_string(kMaxMarkRead) + " 个通知编号的数组"});
    }
  }
  if (c.all == !c.ids.empty())  // both, or neither
    r.add("", {"give either all: true or ids", "请给出 all: true 或 ids 之一"});
  return r.done(std::move(c));
}

json to_json(const GetWebhook& c) { return with_actor(c.actor); }
Result<GetWebhook> from_json(const json& j, Tag<GetWebhook>) {
  auto actor = Reader(j).actor();
  if (!actor) return refuse(actor.error());
  return GetWebhook{*actor};
}

json to_json(const SetWebhook& c) {
  auto j = with_actor(c.actor);
  j["body"] = {{"url", c.url}, {"secret", c.secret}};
  return j;
}
Result<SetWebhook> from_json(const json& j, Tag<SetWebhook>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  SetWebhook c;
  c.actor = *actor;
  c.url = r.string("body", "url", true).value_or("");
  c.secret = r.string("body", "secret", true).value_or("");
  return r.done(std::move(c));
}

json to_json(const DeadDeliveries& c) { return with_actor(c.actor); }
Result<DeadDeliveries> from_json(const json& j, Tag<DeadDeliveries>) {
  auto actor = Reader(j).actor();
  if (!actor) return refuse(actor.error());
  return DeadDeliveries{*actor};
}

json to_json(const ReplayDeliveries& c) {
  auto j = with_actor(c.actor);
  if (c.id) j["body"] = {{"id", *c.id}};
  return j;
}
Result<ReplayDeliveries> from_json(const json& j, Tag<ReplayDeliveries>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  ReplayDeliveries c;
  c.actor = *actor;
  // The id of one delivery is body.id; a top-level one (an older form) would replay them all.
  if (j.contains("id")) r.add("/id", {"send the delivery id as body.id", "请在 body.id 中给出投递编号"});
  if (const json* id = r.member("body", "id")) {
    if (id->is_number_integer() && id->get<int64_t>() > 0)
      c.id = id->get<int64_t>();
    else
      r.add("/id", {"must be a delivery id", "必须是投递编号"});
  }
  return r.done(std::move(c));
}

// ---- scoring ----
json to_json(const PreviewScore& c) {
  json body = {{"kind", name(c.kind)}, {"payload", c.payload}};
  if (c.verified) body["verified"] = *c.verified;
  return {{"body", body}};
}
Result<PreviewScore> from_json(const json& j, Tag<PreviewScore>) {
  Reader r(j);
  PreviewScore c;
  c.kind = r.enumerated<Kind>("body", "kind", true, parse_kind, kKindExpected).value_or(Kind::morning_star);
  if (const json* p = r.object("body", "payload", true)) c.payload = *p;
  if (const json* v = r.object("body", "verified", false)) c.verified = *v;
  return r.done(std::move(c));
}

// ---- evidence files ----
json to_json(const AddFile& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["body"] = {{"item", c.item}, {"name", c.name},           {"media_type", c.media_type}, {"sha256", c.sha256},
               {"size", c.size}, {"max_total", c.max_total}, {"max_count", c.max_count}};
  return j;
}
Result<AddFile> from_json(const json& j, Tag<AddFile>) {
  Reader r(j);
  auto c = about_one<AddFile>(r);
  if (!c) return c;
  c->item = r.string("body", "item", true).value_or("");
  c->name = r.string("body", "name", true).value_or("");
  c->media_type = r.string("body", "media_type", true).value_or("");
  c->sha256 = r.string("body", "sha256", true).value_or("");
  for (auto [key, field] : {std::pair{"size", &c->size}, {"max_total", &c->max_total}}) {
    const json* v = r.member("body", key);
    if (v && v->is_number_integer() && v->get<int64_t>() >= 0)
      *field = v->get<int64_t>();
    else
      r.add(std::string("/") + key, {"must be a whole number", "必须是整数"});
  }
  c->max_count = r.integer("body", "max_count", true).value_or(0);
  return r.done(std::move(*c));
}

json to_json(const ListFiles& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  return j;
}
Result<ListFiles> from_json(const json& j, Tag<ListFiles>) {
  Reader r(j);
  auto c = about_one<ListFiles>(r);
  if (!c) return c;
  return r.done(std::move(*c));
}

json to_json(const DeleteFile& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  j["query"] = {{"file", c.file_id}};
  return j;
}
Result<DeleteFile> from_json(const json& j, Tag<DeleteFile>) {
  Reader r(j);
  auto c = about_one<DeleteFile>(r);
  if (!c) return c;
  c->file_id = r.string("query", "file", true).value_or("");
  return r.done(std::move(*c));
}

json to_json(const FileAccess& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.file_id;
  return j;
}
Result<FileAccess> from_json(const json& j, Tag<FileAccess>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  FileAccess c{*actor, r.id()};
  return r.done(std::move(c));
}

json to_json(const DeclarationDocument& c) {
  auto j = with_actor(c.actor);
  j["id"] = c.id;
  if (c.version) j["query"] = {{"version", *c.version}};
  return j;
}
Result<DeclarationDocument> from_json(const json& j, Tag<DeclarationDocument>) {
  Reader r(j);
  auto c = about_one<DeclarationDocument>(r);
  if (!c) return c;
  if (auto v = r.integer("query", "version", false)) {
    if (*v >= 1)
      c->version = *v;
    else
      r.add("/query/version", {"must be a version, 1 or more", "必须是版本号（不小于 1 的整数）"});
  }
  return r.done(std::move(*c));
}

json to_json(const VerifyDocument& c) { return {{"query", {{"code", c.code}}}}; }
Result<VerifyDocument> from_json(const json& j, Tag<VerifyDocument>) {
  Reader r(j);
  VerifyDocument c;
  c.code = r.string("query", "code", true).value_or("");
  return r.done(std::move(c));
}

json to_json(const NamedBlobs& c) {
  auto j = with_actor(c.actor);
  j["body"] = {{"sha256s", c.sha256s}};
  return j;
}
Result<NamedBlobs> from_json(const json& j, Tag<NamedBlobs>) {
  Reader r(j);
  auto actor = r.actor();
  if (!actor) return refuse(actor.error());
  NamedBlobs c;
  c.actor = *actor;
  const json* list = r.member("body", "sha256s");
  if (list && list->is_array() && list->size() <= kMaxNamedBlobs) {
    for (const auto& s : *list)
      if (s.is_string()) c.sha256s.push_back(s.get<std::string>());
  } else {
    r.add("/sha256s", {"must be an array of at most " + std::to_string(kMaxNamedBlobs) + " hashes",
                       "必须是至多 " + std::to_string(kMaxNamedBlobs) + " 个哈希值的数组"});
  }
  return r.done(std::move(c));
}

// ---- messages ----
Result<json> parse_message(std::string_view text) {
  auto j = parse_json(text, kMaxMessageDepth);
  if (!j) {
    const auto& e = j.error();
    if (e.kind == JsonParseError::Kind::syntax)
      return refuse({ProblemKind::invalid, {"The command is not JSON", "命令不是有效的 JSON"}, {}, {}});
    return refuse(Problem::invalid(e.pointer, {e.message, e.message_zh}));
  }
  if (!j->is_object()) return refuse(Problem::invalid("", {"a command is an object", "命令必须是对象"}));
  return std::move(*j);
}

std::string encode_reply_json(const Result<json>& reply) {
  json j = reply ? json{{"ok", *reply}} : json{{"problem", reply.error().to_json()}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> decode_reply_json(std::string_view text, std::string_view service) {
  const Problem bad =
      Problem::unavailable({"bad reply from " + std::string(service), "服务 " + std::string(service) + " 的应答有误"});
  auto j = parse_json(text, kMaxMessageDepth);
  if (!j || !j->is_object()) return refuse(bad);
  if (auto ok = j->find("ok"); ok != j->end()) return std::move(*ok);
  if (auto p = j->find("problem"); p != j->end()) {
    auto problem = Problem::from_json(*p);
    if (problem) return refuse(std::move(*problem));
  }
  return refuse(bad);
}

template <>
std::string encode_reply<Serialized>(const Result<Serialized>& reply) {
  if (!reply) return encode_reply_json(refuse(reply.error()));
  std::string out = "S" + json{{"id", reply->id}, {"version", reply->version}}.dump() + "\n";
  out += reply->json;
  return out;
}

template <>
Result<Serialized> decode_reply<Serialized>(std::string_view text, std::string_view service) {
  const Problem bad =
      Problem::unavailable({"bad reply from " + std::string(service), "服务 " + std::string(service) + " 的应答有误"});
  if (!text.starts_with('S')) {  // a refusal, or a document sent as JSON
    auto j = decode_reply_json(text, service);
    if (!j) return refuse(std::move(j.error()));
    const auto id = j->find("id");
    const auto version = j->find("version");
    return Serialized{id != j->end() && id->is_string() ? id->get<std::string>() : "",
                      version != j->end() && version->is_number_integer() ? version->get<int64_t>() : 0,
                      j->dump(-1, ' ', false, json::error_handler_t::replace)};
  }
  const auto end = text.find('\n');  // serialised JSON has no raw newline: the first ends the header
  if (end == std::string_view::npos) return refuse(bad);
  auto header = parse_json(text.substr(1, end - 1), 2);
  if (!header || !header->is_object() || !(*header)["id"].is_string() || !(*header)["version"].is_number_integer())
    return refuse(bad);
  return Serialized{(*header)["id"].get<std::string>(), (*header)["version"].get<int64_t>(),
                    std::string(text.substr(end + 1))};
}

}  // namespace sdp::cmd
