#include "api.hpp"

#include <charconv>
#include <regex>
#include <set>
#include <variant>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/log.hpp"
#include "sdp/messages.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

// ---- responses ----
// Problems carry both languages ("title_zh", "detail_zh", errors[].message_zh) until localize()
// keeps the caller's.
http::Response problem(int status, const Text& title, const Text& detail = {}, const json& errors = json::array()) {
  json j = {{"type", http::problem_type(status)}, {"title", title.en}, {"title_zh", title.zh}, {"status", status}};
  if (!detail.en.empty()) j["detail"] = detail.en, j["detail_zh"] = detail.zh;
  if (errors.is_array() && !errors.empty()) j["errors"] = errors;
  http::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/problem+json";
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (status == 503) r.headers["Retry-After"] = "1";
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
  return r;
}

const Text kInvalid{"The request is not valid", "提交的内容有误"};
const Text kNotFound{"Not found", "未找到"};
const Text kUnavailable{"Service temporarily unavailable", "服务暂不可用"};
const Text kIfMatchRequired{"If-Match required", "缺少版本信息（If-Match）"};
const Text kSendIfMatch{"send the ETag you last read as If-Match", "请在 If-Match 中带上最后读取的 ETag，或刷新后重试"};

http::Response invalid(const std::string& pointer, const Text& message) {
  return problem(400, kInvalid, {},
                 json::array({{{"pointer", pointer}, {"message", message.en}, {"message_zh", message.zh}}}));
}

http::Response invalid(const std::vector<SchemaProblem>& problems) {
  json errors = json::array();
  for (const auto& p : problems)
    errors.push_back({{"pointer", p.pointer}, {"message", p.message}, {"message_zh", p.message_zh}});
  return problem(400, kInvalid, {}, errors);
}

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A title for a problem that came without a Chinese one (a connection-level or internal error).
std::string title_zh_for(int status) {
  switch (status) {
    case 400: return "提交的内容有误";
    case 401: return "需要登录";
    case 403: return "无权进行此操作";
    case 404: return "未找到";
    case 405: return "不支持该请求方法";
    case 409: return "当前状态不允许此操作";
    case 412: return "内容已被修改";
    case 413: return "提交的内容过大";
    case 415: return "不支持的内容类型";
    case 422: return "不符合规则";
    case 428: return "缺少前提条件";
    case 431: return "请求头过大";
    case 503: return "服务暂不可用";
    default: return status >= 500 ? "服务器内部错误" : "请求被拒绝";
  }
}

std::string etag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

// A reply of another service ({"status", "body"} or a problem) as HTTP.
http::Response from_reply(const json& reply) {
  int status = reply.value("status", 502);
  if (status >= 200 && status < 300) {
    http::Response r = http::Response::json(status, reply.value("body", json::object()).dump());
    const auto& body = reply.value("body", json::object());
    if (body.is_object() && body.contains("version") && body.contains("id") && body["version"].is_number_integer())
      r.headers["ETag"] = etag(body["version"].get<int64_t>());
    if (status == 201 && body.contains("id"))
      r.headers["Location"] = "/v1/declarations/" + body["id"].get<std::string>();
    return r;
  }
  auto title = text_of(reply, "title");
  return problem(status, {title.empty() ? "Request refused" : title, text_of(reply, "title_zh")},
                 {text_of(reply, "detail"), text_of(reply, "detail_zh")}, reply.value("errors", json::array()));
}

// ---- request helpers ----
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_uuid(const std::string& s) {
  static const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(s, form);
}

// "3", "\"3\"" or W/"3" -> 3.
std::optional<int64_t> parse_if_match(std::string v) {
  if (v.starts_with("W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1) return std::nullopt;
  return n;
}

bool json_content_type(const std::string& ct) {
  auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(), ::tolower);
  return media == "application/json";
}

}  // namespace

// ---- routes ----
const std::vector<Route>& Api::routes() {
  static const std::vector<Route> r = {
      {"GET", "/v1/catalogs/morning-star", false},
      {"GET", "/v1/catalogs/industry-brain", false},
      {"GET", "/v1/catalogs/regions", false},
      {"GET", "/v1/openapi.json", false},
      {"GET", "/v1/console/config", false},
      {"POST", "/v1/dev/sign-in", false},
      {"POST", "/v1/declarations", true},
      {"GET", "/v1/declarations", true},
      {"GET", "/v1/declarations/{id}", true},
      {"PUT", "/v1/declarations/{id}", true},
      {"POST", "/v1/declarations/{id}/submit", true},
      {"POST", "/v1/declarations/{id}/withdraw", true},
      {"POST", "/v1/declarations/{id}/decisions", true},
      {"GET", "/v1/declarations/{id}/history", true},
      {"GET", "/v1/reviews/pending", true},
      {"GET", "/v1/notifications", true},
      {"POST", "/v1/notifications/{id}/read", true},
      {"GET", "/v1/webhook", true},
      {"PUT", "/v1/webhook", true},
      {"POST", "/v1/scoring/preview", true},
      {"GET", "/v1/stats", true},
  };
  return r;
}

ApiSchemas ApiSchemas::load(const std::filesystem::path& dir) {
  auto s = [&](const char* name) { return JsonSchema::from_file(dir / "api" / name); };
  return {s("declaration.create.schema.json"),
          s("declaration.update.schema.json"),
          s("decision.schema.json"),
          s("preview.schema.json"),
          s("webhook.schema.json"),
          s("dev_sign_in.schema.json")};
}

struct Api::Impl {
  explicit Impl(ApiDeps d) : deps(std::move(d)), tokens(deps.keys, deps.policy, deps.regions) {}
  ApiDeps deps;
  TokenVerifier tokens;

  // The reply of `service`'s `verb`, or 503 when it does not answer within the deadline.
  http::Response call(const std::string& service, const std::string& verb, const json& command) const {
    std::string reply;
    try {
      reply = deps.request(deps.topology.command(service, verb), command.dump());
    } catch (const Error& e) {
      log::warn("dependency did not answer", {{"service", service}, {"command", verb}, {"error", e.what()}});
      return problem(
          503, kUnavailable,
          {service + " did not answer in time; nothing was done", "服务 " + service + " 未能及时应答，未做任何更改"});
    }
    auto j = parse_json(reply);
    if (!j || !j->is_object()) return problem(502, {"Bad reply from " + service, "服务 " + service + " 的应答有误"});
    if (j->value("status", 0) == 503)
      return problem(503, kUnavailable,
                     {text_of(*j, "title"), "服务 " + service + " 所依赖的组件暂不可用，未做任何更改"});
    return from_reply(*j);
  }

  // Query parameters: only the named ones, each checked; problems point at /query/<name>.
  std::optional<http::Response> check_query(const std::map<std::string, std::string>& q,
                                            const std::vector<std::string>& allowed, json& out) const {
    std::vector<SchemaProblem> problems;
    for (const auto& [k, v] : q) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        problems.push_back({"/query/" + pointer_token(k), "unknown parameter", "未知的参数 " + k});
        continue;
      }
      if (k == "limit") {
        int n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > 100)
          problems.push_back({"/query/limit", "must be a whole number from 1 to 100", "必须是 1 到 100 之间的整数"});
        else
          out["limit"] = n;
      } else if (k == "cursor") {
        static const std::regex form("[A-Za-z0-9_-]{1,400}");
        if (!std::regex_match(v, form))
          problems.push_back({"/query/cursor", "not a cursor this API issued", "无效的翻页标记"});
        else
          out["cursor"] = v;
      } else if (k == "state") {
        static const std::set<std::string> states = {"draft",           "county_review", "city_review",
                                                     "province_review", "publicity",     "approved",
                                                     "returned",        "rejected",      "withdrawn"};
        if (!states.contains(v))
          problems.push_back({"/query/state", "unknown state '" + v + "'", "未知的状态 " + v});
        else
          out["state"] = v;
      } else if (k == "kind") {
        if (v != "morning_star" && v != "industry_brain")
          problems.push_back({"/query/kind", "must be morning_star or industry_brain",
                              "必须是 morning_star（晨星工厂）或 industry_brain（产业大脑）"});
        else
          out["kind"] = v;
      } else if (k == "region") {
        if (!deps.regions.is_county(v))
          problems.push_back({"/query/region", "not a county-level code of Shandong", "不是山东省的县级行政区划代码"});
        else
          out["region"] = v;
      }
    }
    if (!problems.empty()) return invalid(problems);
    return std::nullopt;
  }

  // The JSON body, or the 4xx that refuses it.
  std::variant<json, http::Response> body_of(const http::Request& req, const JsonSchema* schema) const {
    if (!json_content_type(req.header("Content-Type")))
      return problem(415, {"Unsupported media type", "不支持的内容类型"},
                     {"send the body as application/json", "请以 application/json 格式提交"});
    auto parsed = parse_json(req.body, kMaxInputDepth);  // invalid UTF-8 is a parse error too
    if (!parsed) {
      const auto& e = parsed.error();
      if (e.kind == JsonParseError::Kind::syntax)
        return invalid("", {"the body is not valid JSON (UTF-8)", "提交的内容不是有效的 JSON（UTF-8）"});
      return invalid(e.pointer, {e.message, e.message_zh});
    }
    if (schema)
      if (auto problems = schema->validate(*parsed); !problems.empty()) return invalid(problems);
    return std::move(*parsed);
  }
};

Api::Api(ApiDeps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}

void localize(http::Response& r, Language language) {
  auto ct = r.headers.find("Content-Type");
  if (ct == r.headers.end() || ct->second != "application/problem+json") return;
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return;
  const bool zh = language == Language::zh;
  if (zh) {
    auto title = text_of(j, "title_zh");
    j["title"] = title.empty() ? title_zh_for(j.value("status", 500)) : title;
    if (auto detail = text_of(j, "detail_zh"); !detail.empty())
      j["detail"] = detail;
    else
      j.erase("detail");  // no English sentence in a Chinese answer
  }
  j.erase("title_zh");
  j.erase("detail_zh");
  if (j.contains("errors")) {
    json errors = json::array();
    if (j["errors"].is_array())
      for (const auto& e : j["errors"]) {
        if (!e.is_object()) continue;
        auto message = zh ? text_of(e, "message_zh") : std::string();
        errors.push_back(
            {{"pointer", text_of(e, "pointer")}, {"message", message.empty() ? text_of(e, "message") : message}});
      }
    if (errors.empty())
      j.erase("errors");
    else
      j["errors"] = errors;
  }
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response Api::handle(const http::Request& req, std::string* matched_route) const {
  auto response = route(req, matched_route);
  localize(response, preferred_language(req.header("Accept-Language")));
  return response;
}

http::Response Api::route(const http::Request& req, std::string* matched_route) const {
  const auto& d = impl_->deps;
  auto path = req.path();
  auto parts = segments(path);

  // Match the route: exact segments, "{id}" matching a declaration id.
  const Route* route = nullptr;
  bool path_known = false;
  std::string id;
  for (const auto& r : routes()) {
    auto pattern = segments(r.pattern);
    if (pattern.size() != parts.size()) continue;
    bool match = true;
    std::string candidate;
    for (size_t i = 0; i < parts.size() && match; ++i) {
      if (pattern[i] == "{id}")
        candidate = parts[i];
      else
        match = pattern[i] == parts[i];
    }
    if (!match) continue;
    path_known = true;
    if (r.method == req.method || (r.method == "GET" && req.method == "HEAD")) {
      route = &r;
      id = candidate;
      break;
    }
  }
  if (!route) {
    if (!path_known) return problem(404, kNotFound);
    auto r = problem(405, {"Method not allowed", "不支持该请求方法"});
    std::string allow;
    for (const auto& candidate : routes())
      if (segments(candidate.pattern).size() == parts.size()) {
        auto pattern = segments(candidate.pattern);
        bool match = true;
        for (size_t i = 0; i < parts.size() && match; ++i) match = pattern[i] == "{id}" || pattern[i] == parts[i];
        if (match) allow += (allow.empty() ? "" : ", ") + candidate.method;
      }
    r.headers["Allow"] = allow;
    return r;
  }
  if (matched_route) *matched_route = route->pattern;
  if (!id.empty() && !is_uuid(id)) return problem(404, kNotFound);

  // Public documents.
  if (route->pattern.starts_with("/v1/catalogs/")) return *serve_catalog(d.catalogs, req);
  if (route->pattern == "/v1/openapi.json") return http::Response::json(200, d.openapi);
  if (route->pattern == "/v1/console/config") {
    auto r = http::Response::json(200, json{{"dev_sign_in", d.dev_sign_in != nullptr},
                                            {"sign_in_url", d.sign_in_url.empty() ? json() : json(d.sign_in_url)}}
                                           .dump());
    r.headers["Cache-Control"] = "no-cache";
    return r;
  }
  if (route->pattern == "/v1/dev/sign-in") {
    if (!d.dev_sign_in) return problem(404, kNotFound);
    auto body = impl_->body_of(req, &d.schemas.dev_sign_in);
    if (auto* r = std::get_if<http::Response>(&body)) return *r;
    auto signed_in = d.dev_sign_in->sign_in(std::get<json>(body), d.regions, d.now());
    if (auto* problems = std::get_if<std::vector<SchemaProblem>>(&signed_in)) return invalid(*problems);
    const auto& out = std::get<json>(signed_in);
    log::warn("development sign-in", {{"claims", out["claims"]}});
    auto r = http::Response::json(200, out.dump());
    r.headers["Cache-Control"] = "no-store";
    return r;
  }

  // Identity.
  auto auth = req.header("Authorization");
  if (!auth.starts_with("Bearer "))
    return problem(401, {"Authentication required", "需要登录"},
                   {"send Authorization: Bearer <token>", "请登录后重试（在 Authorization 中带上 Bearer 令牌）"});
  auto claims = impl_->tokens.verify(std::string_view(auth).substr(7), d.now());
  if (!claims) {
    log::info("token refused", {{"reason", claims.error()}});
    return problem(401, {"Invalid token", "登录凭证无效或已过期，请重新登录"});
  }
  json command = {{"actor", claims->actor()}};
  const auto& q = req.query();
  std::optional<int64_t> if_match;
  if (auto h = req.header("If-Match"); !h.empty()) {
    if_match = parse_if_match(h);
    if (!if_match)
      return invalid("/headers/If-Match",
                     {"must be the ETag of the declaration, e.g. \"3\"", "必须是申报的 ETag，例如 \"3\""});
    command["expected_version"] = *if_match;
  }
  auto no_query = [&]() -> std::optional<http::Response> {
    json ignored;
    return impl_->check_query(q, {}, ignored);
  };

  // Idempotency-Key on POSTs: replay the first response, refuse another body under the same key.
  std::string idem_key = req.header("Idempotency-Key");
  if (!idem_key.empty() && req.method != "POST") idem_key.clear();
  if (!idem_key.empty()) {
    static const std::regex form("[\\x21-\\x7e]{1,255}");
    if (!std::regex_match(idem_key, form))
      return invalid("/headers/Idempotency-Key",
                     {"1 to 255 visible ASCII characters", "必须是 1–255 个可见 ASCII 字符"});
  }
  auto run = [&](const std::function<http::Response()>& work) -> http::Response {
    if (idem_key.empty() || !d.idempotency) return work();
    auto hash = crypto::sha256_hex(req.method + " " + path + "\n" + req.body);
    auto scope = idempotency_scope(d.policy.issuer, command["actor"], path);
    IdempotencyStore::Result claim;
    try {
      claim = d.idempotency->begin(scope, idem_key, hash);
    } catch (const Error& e) {
      return problem(503, kUnavailable, {"the idempotency store is unavailable", "请求去重记录暂不可用，未做任何更改"});
    }
    switch (claim.claim) {
      case IdempotencyStore::Claim::replay: return *claim.stored;
      case IdempotencyStore::Claim::other_body:
        return problem(
            422, {"Idempotency-Key reused", "请求标识（Idempotency-Key）重复"},
            {"this key was used with another request within 24 hours", "该标识在 24 小时内已用于另一个请求"});
      case IdempotencyStore::Claim::in_progress:
        return problem(
            409, {"Request in progress", "请求正在处理中"},
            {"a request with this Idempotency-Key is still being processed", "使用该请求标识的请求仍在处理中"});
      case IdempotencyStore::Claim::fresh: break;
    }
    auto response = work();
    try {
      d.idempotency->finish(scope, idem_key, response);
    } catch (const Error& e) {
      log::error("could not record an idempotent response", {{"error", e.what()}});
    }
    return response;
  };

  const auto& p = route->pattern;
  const auto& method = route->method;
  if (p == "/v1/declarations" && method == "POST") {
    if (auto bad = no_query()) return *bad;
    auto body = impl_->body_of(req, &d.schemas.create);
    if (auto* r = std::get_if<http::Response>(&body)) return *r;
    command["declaration"] = std::get<json>(body);
    return run([&] { return impl_->call("workflow", "create", command); });
  }
  if (p == "/v1/declarations" || p == "/v1/reviews/pending") {
    bool pending = p == "/v1/reviews/pending";
    auto allowed = pending ? std::vector<std::string>{"limit", "cursor", "kind", "region"}
                           : std::vector<std::string>{"limit", "cursor", "state", "kind"};
    if (auto bad = impl_->check_query(q, allowed, command)) return *bad;
    if (pending && claims->role != "reviewer")
      return problem(403, {"Only reviewers have a pending queue", "只有审核人员有待审队列"});
    return impl_->call("workflow", pending ? "pending" : "list", command);
  }
  if (p.starts_with("/v1/declarations/{id}")) {
    if (auto bad = no_query()) return *bad;
    command["id"] = id;
    if (p == "/v1/declarations/{id}" && method == "GET") return impl_->call("workflow", "get", command);
    if (p == "/v1/declarations/{id}/history") return impl_->call("workflow", "history", command);
    if (p == "/v1/declarations/{id}" && method == "PUT") {
      auto body = impl_->body_of(req, &d.schemas.update);
      if (auto* r = std::get_if<http::Response>(&body)) return *r;
      if (!if_match) return problem(428, kIfMatchRequired, kSendIfMatch);
      command["body"] = std::get<json>(body);
      return impl_->call("workflow", "update", command);
    }
    if (p == "/v1/declarations/{id}/decisions") {
      auto body = impl_->body_of(req, &d.schemas.decision);
      if (auto* r = std::get_if<http::Response>(&body)) return *r;
      if (!if_match) return problem(428, kIfMatchRequired, kSendIfMatch);
      command["body"] = std::get<json>(body);
      return run([&] { return impl_->call("workflow", "decide", command); });
    }
    // submit, withdraw: no body needed; one given must be JSON.
    if (!req.body.empty()) {
      auto body = impl_->body_of(req, nullptr);
      if (auto* r = std::get_if<http::Response>(&body)) return *r;
    }
    auto verb = p.ends_with("/submit") ? "submit" : "withdraw";
    return run([&] { return impl_->call("workflow", verb, command); });
  }
  if (p == "/v1/stats") {
    if (auto bad = no_query()) return *bad;
    return impl_->call("workflow", "stats", command);
  }
  if (p == "/v1/scoring/preview") {
    if (auto bad = no_query()) return *bad;
    auto body = impl_->body_of(req, &d.schemas.preview);
    if (auto* r = std::get_if<http::Response>(&body)) return *r;
    return impl_->call("scoring", "preview", std::get<json>(body));
  }
  if (p == "/v1/notifications/{id}/read") {
    if (auto bad = no_query()) return *bad;
    command["id"] = id;
    return impl_->call("notify", "mark_read", command);
  }
  if (p == "/v1/notifications") {
    if (auto bad = impl_->check_query(q, {"limit", "cursor"}, command)) return *bad;
    return impl_->call("notify", "inbox", command);
  }
  if (p == "/v1/webhook") {
    if (auto bad = no_query()) return *bad;
    if (claims->role != "applicant")
      return problem(403, {"Only an applicant registers a webhook for its org", "只有申报单位可以设置本单位的回调"});
    if (method == "GET") return impl_->call("notify", "get_webhook", command);
    auto body = impl_->body_of(req, &d.schemas.webhook);
    if (auto* r = std::get_if<http::Response>(&body)) return *r;
    command["webhook"] = std::get<json>(body);
    return impl_->call("notify", "webhook", command);
  }
  return problem(404, kNotFound);
}

}  // namespace sdp::gateway
