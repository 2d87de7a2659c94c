#include "api.hpp"

#include <charconv>
#include <regex>
#include <set>
#include <variant>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/log.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

// ---- responses ----
http::Response problem(int status, const std::string& title, const std::string& detail = {},
                       const json& errors = json::array()) {
  json j = {{"type", http::problem_type(status)}, {"title", title}, {"status", status}};
  if (!detail.empty()) j["detail"] = detail;
  if (!errors.empty()) j["errors"] = errors;
  http::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/problem+json";
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (status == 503) r.headers["Retry-After"] = "1";
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
  return r;
}

http::Response invalid(const std::string& pointer, const std::string& message) {
  return problem(400, "The request is not valid", "", json::array({{{"pointer", pointer}, {"message", message}}}));
}

http::Response invalid(const std::vector<SchemaProblem>& problems) {
  json errors = json::array();
  for (const auto& p : problems) errors.push_back({{"pointer", p.pointer}, {"message", p.message}});
  return problem(400, "The request is not valid", "", errors);
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
    if (status == 201 && body.contains("id")) r.headers["Location"] = "/v1/declarations/" + body["id"].get<std::string>();
    return r;
  }
  return problem(status, reply.value("title", "Request refused"), reply.value("detail", ""),
                 reply.value("errors", json::array()));
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
  return {s("declaration.create.schema.json"), s("declaration.update.schema.json"), s("decision.schema.json"),
          s("preview.schema.json"), s("webhook.schema.json"), s("dev_sign_in.schema.json")};
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
      return problem(503, "Service temporarily unavailable", service + " did not answer in time; nothing was done");
    }
    auto j = parse_json(reply);
    if (!j || !j->is_object()) return problem(502, "Bad reply from " + service);
    if (j->value("status", 0) == 503) return problem(503, "Service temporarily unavailable", j->value("title", ""));
    return from_reply(*j);
  }

  // Query parameters: only the named ones, each checked; problems point at /query/<name>.
  std::optional<http::Response> check_query(const std::map<std::string, std::string>& q,
                                            const std::vector<std::string>& allowed, json& out) const {
    std::vector<SchemaProblem> problems;
    for (const auto& [k, v] : q) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        problems.push_back({"/query/" + pointer_token(k), "unknown parameter"});
        continue;
      }
      if (k == "limit") {
        int n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > 100)
          problems.push_back({"/query/limit", "must be a whole number from 1 to 100"});
        else out["limit"] = n;
      } else if (k == "cursor") {
        static const std::regex form("[A-Za-z0-9_-]{1,400}");
        if (!std::regex_match(v, form)) problems.push_back({"/query/cursor", "not a cursor this API issued"});
        else out["cursor"] = v;
      } else if (k == "state") {
        static const std::set<std::string> states = {"draft",     "county_review", "city_review", "province_review",
                                                     "publicity", "approved",      "returned",    "rejected",
                                                     "withdrawn"};
        if (!states.contains(v)) problems.push_back({"/query/state", "unknown state '" + v + "'"});
        else out["state"] = v;
      } else if (k == "kind") {
        if (v != "morning_star" && v != "industry_brain")
          problems.push_back({"/query/kind", "must be morning_star or industry_brain"});
        else out["kind"] = v;
      } else if (k == "region") {
        if (!deps.regions.is_county(v)) problems.push_back({"/query/region", "not a county-level code of Shandong"});
        else out["region"] = v;
      }
    }
    if (!problems.empty()) return invalid(problems);
    return std::nullopt;
  }

  // The JSON body, or the 4xx that refuses it.
  std::variant<json, http::Response> body_of(const http::Request& req, const JsonSchema* schema) const {
    if (!json_content_type(req.header("Content-Type")))
      return problem(415, "Unsupported media type", "send the body as application/json");
    auto parsed = parse_json(req.body, kMaxInputDepth);  // invalid UTF-8 is a parse error too
    if (!parsed) {
      if (parsed.error().kind == JsonParseError::Kind::syntax) return invalid("", "the body is not valid JSON (UTF-8)");
      return invalid(parsed.error().pointer, parsed.error().message);
    }
    if (schema)
      if (auto problems = schema->validate(*parsed); !problems.empty()) return invalid(problems);
    return std::move(*parsed);
  }
};

Api::Api(ApiDeps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}

http::Response Api::handle(const http::Request& req, std::string* matched_route) const {
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
      if (pattern[i] == "{id}") candidate = parts[i];
      else match = pattern[i] == parts[i];
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
    if (!path_known) return problem(404, "Not found");
    auto r = problem(405, "Method not allowed");
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
  if (!id.empty() && !is_uuid(id)) return problem(404, "Not found");

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
    if (!d.dev_sign_in) return problem(404, "Not found");
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
  if (!auth.starts_with("Bearer ")) return problem(401, "Authentication required", "send Authorization: Bearer <token>");
  auto claims = impl_->tokens.verify(std::string_view(auth).substr(7), d.now());
  if (!claims) {
    log::info("token refused", {{"reason", claims.error()}});
    return problem(401, "Invalid token");
  }
  json command = {{"actor", claims->actor()}};
  const auto& q = req.query();
  std::optional<int64_t> if_match;
  if (auto h = req.header("If-Match"); !h.empty()) {
    if_match = parse_if_match(h);
    if (!if_match) return invalid("/headers/If-Match", "must be the ETag of the declaration, e.g. \"3\"");
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
    if (!std::regex_match(idem_key, form)) return invalid("/headers/Idempotency-Key", "1 to 255 visible ASCII characters");
  }
  auto run = [&](const std::function<http::Response()>& work) -> http::Response {
    if (idem_key.empty() || !d.idempotency) return work();
    auto hash = crypto::sha256_hex(req.method + " " + path + "\n" + req.body);
    IdempotencyStore::Result claim;
    try {
      claim = d.idempotency->begin(claims->sub, idem_key, hash);
    } catch (const Error& e) {
      return problem(503, "Service temporarily unavailable", "the idempotency store is unavailable");
    }
    switch (claim.claim) {
      case IdempotencyStore::Claim::replay: return *claim.stored;
      case IdempotencyStore::Claim::other_body:
        return problem(422, "Idempotency-Key reused", "this key was used with another request within 24 hours");
      case IdempotencyStore::Claim::in_progress:
        return problem(409, "Request in progress", "a request with this Idempotency-Key is still being processed");
      case IdempotencyStore::Claim::fresh: break;
    }
    auto response = work();
    try {
      d.idempotency->finish(claims->sub, idem_key, response);
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
    if (pending && claims->role != "reviewer") return problem(403, "Only reviewers have a pending queue");
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
      if (!if_match) return problem(428, "If-Match required", "send the ETag you last read as If-Match");
      command["body"] = std::get<json>(body);
      return impl_->call("workflow", "update", command);
    }
    if (p == "/v1/declarations/{id}/decisions") {
      auto body = impl_->body_of(req, &d.schemas.decision);
      if (auto* r = std::get_if<http::Response>(&body)) return *r;
      if (!if_match) return problem(428, "If-Match required", "send the ETag you last read as If-Match");
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
    if (claims->role != "applicant") return problem(403, "Only an applicant registers a webhook for its org");
    if (method == "GET") return impl_->call("notify", "get_webhook", command);
    auto body = impl_->body_of(req, &d.schemas.webhook);
    if (auto* r = std::get_if<http::Response>(&body)) return *r;
    command["webhook"] = std::get<json>(body);
    return impl_->call("notify", "webhook", command);
  }
  return problem(404, "Not found");
}

}  // namespace sdp::gateway
