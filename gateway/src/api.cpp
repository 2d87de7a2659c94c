#include "api.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <regex>

#include "documents.hpp"
#include "evidence.hpp"
#include "exports.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/json_parse.hpp"
#include "sdp/log.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

const Text kNotFound{"Not found", "未找到"};
constexpr int64_t kMaxVersion = 2147483647;  // the versions' column is an INT

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ---- replies ----
http::Response reply_of(int status, const cmd::Declaration& d) {
  auto r = http::Response::json(status, d.body.dump());
  r.headers["ETag"] = "\"" + std::to_string(d.version) + "\"";
  if (status == 201) r.headers["Location"] = "/v1/declarations/" + d.id;
  return r;
}

http::Response reply_of(int status, const cmd::Round& d) {
  auto r = http::Response::json(status, d.body.dump());
  r.headers["ETag"] = "\"" + std::to_string(d.version) + "\"";
  if (status == 201) r.headers["Location"] = "/v1/rounds/" + d.id;
  return r;
}

http::Response reply_of(int status, const cmd::Document& d) { return http::Response::json(status, d.body.dump()); }

// As it came: a declaration's carries its version for ETag.
http::Response reply_of(int status, const cmd::Serialized& d) {
  auto r = http::Response::json(status, d.json);
  if (!d.id.empty()) r.headers["ETag"] = "\"" + std::to_string(d.version) + "\"";
  return r;
}

// Done, nothing to say: 204 has no body.
http::Response reply_of(int status, const cmd::Empty&) {
  http::Response r;
  r.status = status;
  return r;
}

// The command sent to its service, and the reply as HTTP: `status` on success.
template <class C>
http::Response forward(const ApiDeps& d, const C& command, int status = 200) {
  auto reply = cmd::call(d.topology, d.send, command);
  return reply ? reply_of(status, *reply) : problem_response(reply.error());
}

// ---- bodies (valid against their schema, so members have the types it names) ----
std::string text(const json& body, const char* key) { return body.value(key, std::string()); }

// A draft's contact may be left out (CONTRACT §3: a draft may be incomplete).
std::optional<cmd::Contact> contact_of(const json& body) {
  auto it = body.find("contact");
  return it == body.end() ? std::nullopt : std::optional(cmd::Contact::from_json(*it));
}

std::optional<std::string> optional_text(const json& body, const char* key) {
  return body.contains(key) ? std::optional(text(body, key)) : std::nullopt;
}

std::optional<int> optional_int(const json& body, const char* key) {
  return body.contains(key) ? std::optional(body.at(key).get<int>()) : std::nullopt;
}

std::optional<cmd::ReviewDays> review_days_of(const json& body) {
  auto it = body.find("review_working_days");
  if (it == body.end()) return std::nullopt;
  return cmd::ReviewDays{it->at("county").get<int>(), it->at("city").get<int>(), it->at("province").get<int>()};
}

std::optional<std::map<std::string, int>> quotas_of(const json& body) {
  auto it = body.find("quotas");
  if (it == body.end()) return std::nullopt;
  std::map<std::string, int> q;
  for (const auto& [city, n] : it->items()) q[city] = n.get<int>();
  return q;
}

json take(json& body, const char* key) {
  auto it = body.find(key);
  return it == body.end() ? json::object() : std::move(*it);
}

std::optional<json> take_optional(json& body, const char* key) {
  auto it = body.find(key);
  return it == body.end() ? std::nullopt : std::optional<json>(std::move(*it));
}

// ---- handlers: the typed command of each route ----
http::Response catalog(const ApiDeps& d, Input& in) { return *serve_catalog(d.catalogs, in.request); }

http::Response openapi(const ApiDeps& d, Input&) { return http::Response::json(200, d.openapi); }

http::Response console_config(const ApiDeps& d, Input&) {
  auto r = http::Response::json(200, json{{"dev_sign_in", d.dev_sign_in != nullptr},
                                          {"sign_in_url", d.sign_in_url.empty() ? json() : json(d.sign_in_url)}}
                                         .dump());
  r.headers["Cache-Control"] = "no-cache";
  return r;
}

http::Response dev_sign_in(const ApiDeps& d, Input& in) {
  if (!d.dev_sign_in) return problem_response(Problem::not_found(kNotFound));
  auto signed_in = d.dev_sign_in->sign_in(in.body, d.regions, d.now());
  if (auto* problems = std::get_if<std::vector<SchemaProblem>>(&signed_in))
    return problem_response(Problem::invalid(std::move(*problems)));
  const auto& out = std::get<json>(signed_in);
  log::warn("development sign-in", {{"claims", out["claims"]}});
  auto r = http::Response::json(200, out.dump());
  r.headers["Cache-Control"] = "no-store";
  return r;
}

http::Response create(const ApiDeps& d, Input& in) {
  auto& b = in.body;
  return forward(d,
                 cmd::CreateDeclaration{in.actor, parse_kind(text(b, "kind")), text(b, "round"), text(b, "region"),
                                        text(b, "title"), optional_text(b, "org_name"),
                                        contact_of(b).value_or(cmd::Contact{}), take(b, "payload"), in.request_key},
                 201);
}

http::Response list(const ApiDeps& d, Input& in) {
  const auto& q = in.query;
  return forward(d, cmd::ListDeclarations{in.actor, q.state, q.kind, q.limit, q.cursor, q.valid_until_before});
}

http::Response get(const ApiDeps& d, Input& in) { return forward(d, cmd::GetDeclaration{in.actor, in.id}); }

http::Response update(const ApiDeps& d, Input& in) {
  auto& b = in.body;
  return forward(d, cmd::UpdateDeclaration{in.actor, in.id, *in.version, text(b, "title"), optional_text(b, "org_name"),
                                           contact_of(b), take_optional(b, "payload")});
}

http::Response submit(const ApiDeps& d, Input& in) {
  return forward(d, cmd::SubmitDeclaration{in.actor, in.id, in.version, in.request_key});
}

http::Response withdraw(const ApiDeps& d, Input& in) {
  return forward(d, cmd::WithdrawDeclaration{in.actor, in.id, in.version, in.request_key});
}

http::Response decide(const ApiDeps& d, Input& in) {
  auto& b = in.body;
  return forward(d, cmd::DecideDeclaration{in.actor, in.id, *in.version, *parse_decision(text(b, "decision")),
                                           text(b, "comment"), take_optional(b, "verified"), in.request_key});
}

http::Response history(const ApiDeps& d, Input& in) { return forward(d, cmd::DeclarationHistory{in.actor, in.id}); }

http::Response remove(const ApiDeps& d, Input& in) {
  return forward(d, cmd::DeleteDeclaration{in.actor, in.id, *in.version}, 204);
}

http::Response diff(const ApiDeps& d, Input& in) {
  return forward(d, cmd::DeclarationDiff{in.actor, in.id, in.query.from, in.query.to});
}

// The queue's command from its query: the JSON route's and its exports'.
std::expected<cmd::PendingReviews, http::Response> pending_command(const Input& in) {
  const auto& q = in.query;
  if (q.county && q.region && *q.county != *q.region)
    return std::unexpected(problem_response(Problem::invalid(
        "/query/region", {"region is county's former name; give one of them", "region 即 county，请只给其一"})));
  return cmd::PendingReviews{in.actor, q.kind,    q.county ? q.county : q.region,
                             q.limit,  q.cursor,  q.q,
                             q.round,  q.overdue, q.sort.value_or(cmd::QueueSort::arrived_at)};
}

http::Response pending(const ApiDeps& d, Input& in) {
  auto command = pending_command(in);
  return command ? forward(d, *command) : std::move(command.error());
}

http::Response inbox(const ApiDeps& d, Input& in) {
  return forward(d, cmd::Inbox{in.actor, in.query.limit, in.query.cursor});
}

http::Response mark_read(const ApiDeps& d, Input& in) { return forward(d, cmd::MarkRead{in.actor, in.id}); }

http::Response mark_many_read(const ApiDeps& d, Input& in) {
  std::vector<std::string> ids;
  for (const auto& id : in.body.value("ids", json::array())) ids.push_back(id.get<std::string>());
  return forward(d, cmd::MarkManyRead{in.actor, in.body.value("all", false), std::move(ids)});
}

http::Response get_webhook(const ApiDeps& d, Input& in) { return forward(d, cmd::GetWebhook{in.actor}); }

http::Response set_webhook(const ApiDeps& d, Input& in) {
  return forward(d, cmd::SetWebhook{in.actor, text(in.body, "url"), text(in.body, "secret")});
}

http::Response preview(const ApiDeps& d, Input& in) {
  auto& b = in.body;
  return forward(d, cmd::PreviewScore{*parse_kind(text(b, "kind")), take(b, "payload"), take_optional(b, "verified")});
}

http::Response stats(const ApiDeps& d, Input& in) { return forward(d, cmd::Statistics{in.actor, in.query.round}); }

http::Response create_round(const ApiDeps& d, Input& in) {
  const auto& b = in.body;
  return forward(
      d,
      cmd::CreateRound{in.actor, *parse_kind(text(b, "kind")), b.at("year").get<int>(), text(b, "title"),
                       text(b, "opens_at"), text(b, "closes_at"), review_days_of(b).value_or(cmd::ReviewDays{}),
                       quotas_of(b).value_or(std::map<std::string, int>{}),
                       optional_int(b, "publicity_working_days").value_or(5),
                       optional_int(b, "validity_years").value_or(3), in.request_key},
      201);
}

http::Response list_rounds(const ApiDeps& d, Input& in) {
  return forward(d, cmd::ListRounds{in.actor, in.query.kind, in.query.round_state});
}

http::Response get_round(const ApiDeps& d, Input& in) { return forward(d, cmd::GetRound{in.actor, in.id}); }

http::Response update_round(const ApiDeps& d, Input& in) {
  const auto& b = in.body;
  return forward(d,
                 cmd::UpdateRound{in.actor, in.id, *in.version, optional_text(b, "title"), optional_text(b, "opens_at"),
                                  optional_text(b, "closes_at"), review_days_of(b), quotas_of(b),
                                  optional_int(b, "publicity_working_days"), optional_int(b, "validity_years")});
}

http::Response get_recommendations(const ApiDeps& d, Input& in) {
  return forward(d, cmd::GetRecommendations{in.actor, in.id, in.city});
}

http::Response rank_recommendations(const ApiDeps& d, Input& in) {
  std::vector<std::string> ids;
  for (const auto& id : in.body.at("ids")) ids.push_back(id.get<std::string>());
  return forward(d, cmd::RankRecommendations{in.actor, in.id, in.city, std::move(ids)});
}

// ---- spreadsheets and CSV (CONTRACT §9): the JSON routes' own commands, with the caller's own actor ----
using exports::Format;

http::Response too_many_rows(std::size_t max) {
  const auto n = std::to_string(max);
  return problem_response(Problem{ProblemKind::rule,
                                  {"Too many rows to export", "导出的行数超过上限"},
                                  {"an export holds at most " + n + " rows; narrow the filters",
                                   "一次最多导出 " + n + " 行，请缩小筛选范围后再导出"},
                                  {}});
}

json page_body(cmd::Document& page) { return std::move(page.body); }
json page_body(const cmd::Serialized& page) { return json::parse(page.json); }  // the queue's, passed through

// Every page of a list command, its cursor walked at the largest page, up to the export's cap;
// a refusal as the JSON route answers it.
template <class C>
std::expected<json, http::Response> every_page(const ApiDeps& d, C command) {
  json items = json::array();
  command.limit = cmd::kMaxPageSize;
  command.cursor.reset();
  for (;;) {
    auto reply = cmd::call(d.topology, d.send, command);
    if (!reply) return std::unexpected(problem_response(reply.error()));
    json body = page_body(*reply);
    // The queue counts its rows: too many are refused before the first page is walked past.
    if (auto total = body.find("total");
        total != body.end() && total->is_number_unsigned() && total->get<std::size_t>() > d.export_max_rows)
      return std::unexpected(too_many_rows(d.export_max_rows));
    for (auto& item : body["items"]) {
      if (items.size() == d.export_max_rows) return std::unexpected(too_many_rows(d.export_max_rows));
      items.push_back(std::move(item));
    }
    const json next = body["next_cursor"];
    if (!next.is_string()) return items;
    command.cursor = decode_cursor(next.get<std::string>());
    if (!command.cursor) throw std::runtime_error("a list answered a cursor it cannot read back");
  }
}

// The table as an attachment: `name` its Chinese file name, `ascii` the fallback for old clients.
http::Response attachment(const ApiDeps& d, Format format, const exports::Table& table, std::string_view name,
                          std::string_view ascii) {
  const auto now = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(d.now()));
  http::Response r;
  r.status = 200;
  r.body = format == Format::xlsx ? exports::to_xlsx(table, now) : exports::to_csv(table);
  r.headers["Content-Type"] = exports::content_type(format);
  r.headers["Content-Disposition"] =
      content_disposition(exports::file_name(name, now, format), exports::file_name(ascii, now, format));
  r.headers["Cache-Control"] = "no-store";
  r.headers["X-Export-Rows"] = std::to_string(table.rows.size());
  return r;
}

template <Format F>
http::Response export_pending(const ApiDeps& d, Input& in) {
  auto command = pending_command(in);
  if (!command) return std::move(command.error());
  auto items = every_page(d, std::move(*command));
  return items ? attachment(d, F, exports::pending_table(*items), "待审核申报", "pending-reviews")
               : std::move(items.error());
}

template <Format F>
http::Response export_declarations(const ApiDeps& d, Input& in) {
  const auto& q = in.query;
  auto items =
      every_page(d, cmd::ListDeclarations{in.actor, q.state, q.kind, q.limit, std::nullopt, q.valid_until_before});
  return items ? attachment(d, F, exports::declarations_table(*items), "申报列表", "declarations")
               : std::move(items.error());
}

// city= or, for a city's reviewer, its own city (a county reviewer's too, which workflow refuses
// as the JSON route does); the province and the admin name one.
template <Format F>
http::Response export_recommendations(const ApiDeps& d, Input& in) {
  auto city = in.query.city;
  if (!city && in.actor.role == Role::reviewer && in.actor.tier == Tier::city) city = in.actor.region;
  if (!city && in.actor.role == Role::reviewer && in.actor.tier == Tier::county)
    city = d.regions.city_of(in.actor.region);
  if (!city || city->empty())
    return problem_response(
        Problem::invalid("/query/city", {"name the city: city=37XX00", "请指定城市（city=37XX00，地级市代码）"}));
  auto reply = cmd::call(d.topology, d.send, cmd::GetRecommendations{in.actor, in.id, *city});
  if (!reply) return problem_response(reply.error());
  const auto& doc = reply->body;
  const auto& named = doc.contains("city_name") ? doc["city_name"] : json();
  const auto city_name = named.is_string() ? named.get<std::string>() : *city;
  return attachment(d, F, exports::recommendations_table(doc), "推荐汇总表-" + city_name, "recommendations-" + *city);
}

template <Format F>
http::Response export_stats(const ApiDeps& d, Input& in) {
  auto reply = cmd::call(d.topology, d.send, cmd::Statistics{in.actor, in.query.round});
  if (!reply) return problem_response(reply.error());
  return attachment(d, F, exports::stats_table(reply->body), "统计", "stats");
}

// ---- expert review and objections during 公示 (CONTRACT §8) ----
std::vector<std::string> strings_of(const json& array) {
  std::vector<std::string> out;
  for (const auto& s : array) out.push_back(s.get<std::string>());
  return out;
}

std::optional<std::string> optional_string(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? std::optional(it->get<std::string>()) : std::nullopt;
}

http::Response create_expert(const ApiDeps& d, Input& in) {
  const auto& b = in.body;
  std::vector<Kind> kinds;
  for (const auto& k : b.at("kinds")) kinds.push_back(*parse_kind(k.get<std::string>()));
  return forward(d,
                 cmd::CreateExpert{in.actor, text(b, "sub"), text(b, "name"), optional_string(b, "employer"),
                                   text(b, "home_region"), std::move(kinds), in.request_key},
                 201);
}

http::Response list_experts(const ApiDeps& d, Input& in) {
  return forward(d, cmd::ListExperts{in.actor, in.query.kind});
}

// The pool to pick an expert from at the development sign-in; there only when it is on.
http::Response dev_experts(const ApiDeps& d, Input&) {
  if (!d.dev_sign_in) return problem_response(Problem::not_found(kNotFound));
  auto r = forward(d, cmd::ListExperts{Actor{"dev-sign-in", Role::admin, "", std::nullopt, ""}, std::nullopt});
  r.headers["Cache-Control"] = "no-store";
  return r;
}

http::Response assign_panel(const ApiDeps& d, Input& in) {
  return forward(d, cmd::AssignPanel{in.actor, in.id, strings_of(in.body.at("experts")), text(in.body, "due_at")});
}

http::Response get_panel(const ApiDeps& d, Input& in) { return forward(d, cmd::GetPanel{in.actor, in.id}); }

http::Response panel_candidates(const ApiDeps& d, Input& in) {
  return forward(d, cmd::PanelCandidates{in.actor, in.id});
}

http::Response expert_review(const ApiDeps& d, Input& in) {
  auto& b = in.body;
  return forward(d,
                 cmd::SubmitExpertReview{in.actor, in.id, b.at("score").get<double>(), text(b, "opinion"),
                                         take_optional(b, "items"), in.request_key},
                 201);
}

http::Response assigned_reviews(const ApiDeps& d, Input& in) {
  return forward(d, cmd::AssignedReviews{in.actor, in.query.limit, in.query.cursor});
}

http::Response public_notices(const ApiDeps& d, Input&) {
  auto r = forward(d, cmd::PublicNotices{});
  if (r.status == 200) r.headers["Cache-Control"] = "public, max-age=60";
  return r;
}

http::Response file_objection(const ApiDeps& d, Input& in) {
  const auto& b = in.body;
  if (auto problems = objection_problems(b); !problems.empty())
    return problem_response(Problem::invalid(std::move(problems)));
  return forward(d,
                 cmd::FileObjection{in.number, text(b, "name"), optional_string(b, "id_number"),
                                    optional_string(b, "org"), text(b, "phone"), text(b, "content")},
                 201);
}

http::Response list_objections(const ApiDeps& d, Input& in) {
  const auto& q = in.query;
  return forward(d, cmd::ListObjections{in.actor, q.objection_state, q.limit, q.cursor});
}

http::Response resolve_objection(const ApiDeps& d, Input& in) {
  return forward(d, cmd::ResolveObjection{in.actor, in.id, *cmd::parse_objection_outcome(text(in.body, "outcome")),
                                          text(in.body, "comment"), in.request_key});
}

// ---- the 申报书 and its verification (CONTRACT §9) ----
http::Response document_pdf(const ApiDeps& d, Input& in) {
  if (!d.documents) return problem_response(Problem::not_found(kNotFound));
  auto doc = cmd::call(d.topology, d.send, cmd::DeclarationDocument{in.actor, in.id, in.query.version});
  if (!doc) return problem_response(doc.error());
  auto pdf = d.documents->pdf(doc->body);
  if (!pdf)
    return problem_response({ProblemKind::unavailable,
                             {"Service busy", "服务繁忙"},
                             {"too many documents are being prepared", "正在生成的申报书过多，请稍后再试"},
                             {}});
  const auto number = doc->body.at("declaration").value("number", std::string());
  const auto version = std::to_string(doc->body.value("version", 0));
  http::Response r;
  r.status = 200;
  r.shared_body = std::shared_ptr<const std::string>(*pdf, &(*pdf)->bytes);
  r.headers["Content-Type"] = "application/pdf";
  r.headers["Content-Disposition"] =
      content_disposition("申报书-" + number + "-第" + version + "版.pdf", number + "-v" + version + ".pdf");
  r.headers["X-Verification-Code"] = doc->body.value("code", std::string());
  r.headers["X-Content-SHA256"] = doc->body.value("content_sha256", std::string());
  return r;
}

http::Response verify_document(const ApiDeps& d, Input& in) {
  auto r = forward(d, cmd::VerifyDocument{in.code});
  if (r.status == 200) r.headers["Cache-Control"] = "public, max-age=60";
  return r;
}

// ---- request helpers ----
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t start = 1; start <= path.size();) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

struct Fit {
  std::string_view id, city, number, file, code;  // "" when the pattern has none
};

// The {id}, {city} and {file} of `parts` when they fit `pattern`; nothing when they do not.
std::optional<Fit> fit(std::string_view pattern, const std::vector<std::string_view>& parts) {
  auto want = segments(pattern);
  if (want.size() != parts.size()) return std::nullopt;
  Fit out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (want[i] == "{id}")
      out.id = parts[i];
    else if (want[i] == "{city}")
      out.city = parts[i];
    else if (want[i] == "{number}")
      out.number = parts[i];
    else if (want[i] == "{file}")
      out.file = parts[i];
    else if (want[i] == "{code}")
      out.code = parts[i];
    else if (want[i] != parts[i])
      return std::nullopt;
  }
  return out;
}

// YYYY-MM-DD, a real day.
bool is_date(std::string_view s) {
  static const std::regex form("[0-9]{4}-[0-9]{2}-[0-9]{2}");
  if (!std::regex_match(s.begin(), s.end(), form)) return false;
  auto num = [&](size_t at, size_t n) {
    unsigned v = 0;
    std::from_chars(s.data() + at, s.data() + at + n, v);
    return v;
  };
  return std::chrono::year_month_day{std::chrono::year(static_cast<int>(num(0, 4))), std::chrono::month(num(5, 2)),
                                     std::chrono::day(num(8, 2))}
      .ok();
}

bool is_number(std::string_view s) {
  static const std::regex form("(MSF|IBR)-[0-9]{4}-[0-9]{6}-[0-9]{6}");
  return std::regex_match(s.begin(), s.end(), form);
}

// A verification code as printed ("ABCD-EFGH-JKMN-PQRS") or typed (lower case, without dashes,
// O for 0 and I or L for 1, as Crockford's base32 allows): its 16 characters, or nothing.
std::optional<std::string> document_code_of(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-') continue;
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'A' && c <= 'Z' && c != 'U')) return std::nullopt;
    out += c;
  }
  if (out.size() != 16) return std::nullopt;
  return out;
}

bool is_uuid(std::string_view s) {
  static const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(s.begin(), s.end(), form);
}

// "3", "\"3\"" or W/"3" -> 3.
std::optional<int64_t> parse_if_match(std::string_view v) {
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1) return std::nullopt;
  return n;
}

bool json_content_type(const std::string& ct) {
  auto media = ct.substr(0, ct.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(), ::tolower);
  return media == "application/json";
}

}  // namespace

// ---- routes ----
const std::vector<Route>& Api::routes() {
  using enum IfMatch;
  static const std::vector<Route> r = {
      {.method = "GET", .pattern = "/v1/catalogs/morning-star", .authenticated = false, .handler = catalog},
      {.method = "GET", .pattern = "/v1/catalogs/industry-brain", .authenticated = false, .handler = catalog},
      {.method = "GET", .pattern = "/v1/catalogs/regions", .authenticated = false, .handler = catalog},
      {.method = "GET", .pattern = "/v1/openapi.json", .authenticated = false, .handler = openapi},
      {.method = "GET", .pattern = "/v1/console/config", .authenticated = false, .handler = console_config},
      {.method = "POST",
       .pattern = "/v1/dev/sign-in",
       .authenticated = false,
       .schema = "dev_sign_in.schema.json",
       .handler = dev_sign_in},
      {.method = "POST",
       .pattern = "/v1/declarations",
       .schema = "declaration.create.schema.json",
       .idempotent = true,
       .handler = create},
      {.method = "GET",
       .pattern = "/v1/declarations",
       .query = {"limit", "cursor", "state", "kind", "valid_until_before"},
       .handler = list},
      {.method = "GET", .pattern = "/v1/declarations/{id}", .handler = get},
      {.method = "PUT",
       .pattern = "/v1/declarations/{id}",
       .schema = "declaration.update.schema.json",
       .if_match = required,
       .handler = update},
      {.method = "DELETE", .pattern = "/v1/declarations/{id}", .if_match = required, .handler = remove},
      {.method = "POST",
       .pattern = "/v1/declarations/{id}/submit",
       .optional_body = true,
       .if_match = optional,
       .idempotent = true,
       .handler = submit},
      {.method = "POST",
       .pattern = "/v1/declarations/{id}/withdraw",
       .optional_body = true,
       .if_match = optional,
       .idempotent = true,
       .handler = withdraw},
      {.method = "POST",
       .pattern = "/v1/declarations/{id}/decisions",
       .schema = "decision.schema.json",
       .if_match = required,
       .idempotent = true,
       .handler = decide},
      {.method = "GET", .pattern = "/v1/declarations/{id}/history", .handler = history},
      // The 申报书 (CONTRACT §9), rendered on the document threads (documents.hpp).
      {.method = "GET", .pattern = "/v1/declarations/{id}/document.pdf", .query = {"version"}, .handler = document_pdf},
      {.method = "GET", .pattern = "/v1/public/verify/{code}", .authenticated = false, .handler = verify_document},
      // Evidence files (CONTRACT §7): the upload's body is the file, streamed (evidence.cpp).
      {.method = "POST",
       .pattern = "/v1/declarations/{id}/files",
       .query = {"item"},
       .handler = upload_file,
       .admit = admit_upload},
      {.method = "GET", .pattern = "/v1/declarations/{id}/files", .handler = list_files},
      {.method = "DELETE", .pattern = "/v1/declarations/{id}/files/{file}", .handler = delete_file},
      {.method = "GET", .pattern = "/v1/files/{id}", .handler = download_file},
      {.method = "GET", .pattern = "/v1/declarations/{id}/diff", .query = {"from", "to"}, .handler = diff},
      {.method = "GET",
       .pattern = "/v1/reviews/pending",
       .query = {"limit", "cursor", "kind", "region", "county", "q", "round", "overdue", "sort"},
       .handler = pending},
      // Spreadsheets and CSV (CONTRACT §9): the JSON route's filters, every page; literal segments.
      {.method = "GET",
       .pattern = "/v1/reviews/pending.xlsx",
       .query = {"kind", "region", "county", "q", "round", "overdue", "sort"},
       .handler = export_pending<Format::xlsx>},
      {.method = "GET",
       .pattern = "/v1/reviews/pending.csv",
       .query = {"kind", "region", "county", "q", "round", "overdue", "sort"},
       .handler = export_pending<Format::csv>},
      {.method = "GET",
       .pattern = "/v1/declarations.xlsx",
       .query = {"state", "kind", "valid_until_before"},
       .handler = export_declarations<Format::xlsx>},
      {.method = "GET",
       .pattern = "/v1/declarations.csv",
       .query = {"state", "kind", "valid_until_before"},
       .handler = export_declarations<Format::csv>},
      {.method = "GET",
       .pattern = "/v1/rounds/{id}/recommendations.xlsx",
       .query = {"city"},
       .handler = export_recommendations<Format::xlsx>},
      {.method = "GET",
       .pattern = "/v1/rounds/{id}/recommendations.csv",
       .query = {"city"},
       .handler = export_recommendations<Format::csv>},
      {.method = "GET", .pattern = "/v1/stats.xlsx", .query = {"round"}, .handler = export_stats<Format::xlsx>},
      {.method = "GET", .pattern = "/v1/stats.csv", .query = {"round"}, .handler = export_stats<Format::csv>},
      {.method = "GET", .pattern = "/v1/notifications", .query = {"limit", "cursor"}, .handler = inbox},
      {.method = "POST", .pattern = "/v1/notifications/{id}/read", .handler = mark_read},
      {.method = "POST",
       .pattern = "/v1/notifications/read",
       .schema = "notifications.read.schema.json",
       .handler = mark_many_read},
      {.method = "GET", .pattern = "/v1/webhook", .handler = get_webhook},
      {.method = "PUT", .pattern = "/v1/webhook", .schema = "webhook.schema.json", .handler = set_webhook},
      {.method = "POST", .pattern = "/v1/scoring/preview", .schema = "preview.schema.json", .handler = preview},
      {.method = "GET", .pattern = "/v1/stats", .query = {"round"}, .handler = stats},
      {.method = "POST",
       .pattern = "/v1/rounds",
       .schema = "round.create.schema.json",
       .idempotent = true,
       .handler = create_round},
      {.method = "GET", .pattern = "/v1/rounds", .query = {"kind", "state"}, .handler = list_rounds},
      {.method = "GET", .pattern = "/v1/rounds/{id}", .handler = get_round},
      {.method = "PATCH",
       .pattern = "/v1/rounds/{id}",
       .schema = "round.update.schema.json",
       .if_match = required,
       .handler = update_round},
      {.method = "GET", .pattern = "/v1/rounds/{id}/recommendations/{city}", .handler = get_recommendations},
      // No If-Match: the ranking names every current recommendation, so a stale list is refused (422) anyway.
      {.method = "PUT",
       .pattern = "/v1/rounds/{id}/recommendations/{city}",
       .schema = "recommendations.rank.schema.json",
       .handler = rank_recommendations},
      // Expert review and objections during 公示 (CONTRACT §8).
      {.method = "POST",
       .pattern = "/v1/experts",
       .schema = "expert.create.schema.json",
       .idempotent = true,
       .handler = create_expert},
      {.method = "GET", .pattern = "/v1/experts", .query = {"kind"}, .handler = list_experts},
      {.method = "GET", .pattern = "/v1/dev/experts", .authenticated = false, .handler = dev_experts},
      {.method = "PUT",
       .pattern = "/v1/declarations/{id}/panel",
       .schema = "panel.assign.schema.json",
       .handler = assign_panel},
      {.method = "GET", .pattern = "/v1/declarations/{id}/panel", .handler = get_panel},
      {.method = "GET", .pattern = "/v1/declarations/{id}/panel/candidates", .handler = panel_candidates},
      {.method = "POST",
       .pattern = "/v1/declarations/{id}/expert-reviews",
       .schema = "expert_review.schema.json",
       .idempotent = true,
       .handler = expert_review},
      {.method = "GET", .pattern = "/v1/reviews/assigned", .query = {"limit", "cursor"}, .handler = assigned_reviews},
      {.method = "GET", .pattern = "/v1/public/notices", .authenticated = false, .handler = public_notices},
      {.method = "POST",
       .pattern = "/v1/public/notices/{number}/objections",
       .authenticated = false,
       .schema = "objection.create.schema.json",
       .rate_limited = true,
       .handler = file_objection},
      {.method = "GET", .pattern = "/v1/objections", .query = {"state", "limit", "cursor"}, .handler = list_objections},
      {.method = "POST",
       .pattern = "/v1/objections/{id}/resolution",
       .schema = "objection.resolve.schema.json",
       .idempotent = true,
       .handler = resolve_objection},
  };
  return r;
}

ApiSchemas ApiSchemas::load(const std::filesystem::path& dir) {
  ApiSchemas s;
  for (const auto& r : Api::routes())
    if (!r.schema.empty() && !s.schemas_.contains(r.schema))
      s.schemas_.emplace(std::string(r.schema), JsonSchema::from_file(dir / "api" / r.schema));
  return s;
}

const JsonSchema& ApiSchemas::at(std::string_view file) const { return schemas_.find(file)->second; }

// ---- problems ----
int http_status(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::invalid: return 400;
    case ProblemKind::unauthenticated: return 401;
    case ProblemKind::forbidden: return 403;
    case ProblemKind::not_found: return 404;
    case ProblemKind::conflict: return 409;
    case ProblemKind::precondition_failed: return 412;
    case ProblemKind::rule: return 422;
    case ProblemKind::precondition_required: return 428;
    case ProblemKind::unavailable: return 503;
  }
  return 500;
}

namespace {
http::Response render(int status, const Problem& p) {
  json j = p.to_json();  // both languages: title_zh, detail_zh, errors[].message_zh
  j.erase("kind");
  j["type"] = http::problem_type(status);
  j["status"] = status;
  http::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/problem+json";
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (status == 503) r.headers["Retry-After"] = "1";
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
  return r;
}
}  // namespace

http::Response problem_response(const Problem& p) { return render(http_status(p.kind), p); }

http::Response problem_response(int status, const Text& title, const Text& detail) {
  return render(status, Problem{ProblemKind::invalid, title, detail, {}});  // the kind is not read
}

http::Response too_many_requests(std::chrono::seconds retry_after) {
  auto r = problem_response(429, {"Too many requests", "提交过于频繁"},
                            {"try again in " + std::to_string(retry_after.count()) + " seconds",
                             "请 " + std::to_string(retry_after.count()) + " 秒后再试"});
  r.headers["Retry-After"] = std::to_string(retry_after.count());
  return r;
}

void localize(http::Response& r, Language language) {
  auto ct = r.headers.find("Content-Type");
  if (ct == r.headers.end() || ct->second != "application/problem+json") return;
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return;
  const bool zh = language == Language::zh;
  j["title"] = in(language, {text_of(j, "title"), text_of(j, "title_zh")});
  // No English sentence in a Chinese answer: a detail without its Chinese goes.
  if (auto detail = text_of(j, zh ? "detail_zh" : "detail"); !detail.empty())
    j["detail"] = detail;
  else
    j.erase("detail");
  j.erase("title_zh");
  j.erase("detail_zh");
  if (j.contains("errors")) {
    json errors = json::array();
    if (j["errors"].is_array())
      for (const auto& e : j["errors"])
        if (e.is_object())
          errors.push_back({{"pointer", text_of(e, "pointer")},
                            {"message", in(language, {text_of(e, "message"), text_of(e, "message_zh")})}});
    if (errors.empty())
      j.erase("errors");
    else
      j["errors"] = errors;
  }
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- the edge: identity, headers, query and body checked once, then the route's handler ----
struct Api::Impl {
  explicit Impl(ApiDeps d) : deps(std::move(d)), tokens(deps.keys, deps.policy, deps.regions) {}
  ApiDeps deps;
  TokenVerifier tokens;

  struct Match {
    const Route* route;
    std::string id, city, number, file, code;
  };

  // The route of the method and path, or 404 / 405.
  std::expected<Match, http::Response> match(const http::Request& req) const {
    const auto path = req.path();
    const auto parts = segments(path);
    std::string allow;
    for (const auto& r : routes()) {
      auto fitted = fit(r.pattern, parts);
      if (!fitted) continue;
      if (r.method == req.method || (r.method == "GET" && req.method == "HEAD"))
        return Match{&r,
                     std::string(fitted->id),
                     std::string(fitted->city),
                     std::string(fitted->number),
                     std::string(fitted->file),
                     std::string(fitted->code)};
      allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    }
    if (allow.empty()) return std::unexpected(problem_response(Problem::not_found(kNotFound)));
    auto r = problem_response(405, {"Method not allowed", "不支持该请求方法"});
    r.headers["Allow"] = allow;
    return std::unexpected(std::move(r));
  }

  Result<Actor> identify(const http::Request& req) const {
    auto auth = req.header("Authorization");
    if (!auth.starts_with("Bearer "))
      return refuse({ProblemKind::unauthenticated,
                     {"Authentication required", "需要登录"},
                     {"send Authorization: Bearer <token>", "请登录后重试（在 Authorization 中带上 Bearer 令牌）"},
                     {}});
    auto claims = tokens.verify(std::string_view(auth).substr(7), deps.now());
    if (!claims) {
      log::info("token refused", {{"reason", claims.error()}});
      return refuse({ProblemKind::unauthenticated, {"Invalid token", "登录凭证无效或已过期，请重新登录"}, {}, {}});
    }
    return claims->actor;
  }

  // Only the parameters the route takes, each decoded; problems point at /query/<name>.
  Result<Query> decode_query(const http::Request& req, const Route& route) const {
    Query out;
    std::vector<SchemaProblem> problems;
    auto refuse_at = [&](const std::string& name, const Text& message) {
      problems.push_back({"/query/" + pointer_token(name), message.en, message.zh});
    };
    for (const auto& [k, v] : req.query()) {
      if (std::ranges::find(route.query, k) == route.query.end()) {
        refuse_at(k, {"unknown parameter", "未知的参数 " + k});
      } else if (k == "limit") {
        int n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > cmd::kMaxPageSize)
          refuse_at(k, {"must be a whole number from 1 to " + std::to_string(cmd::kMaxPageSize),
                        "必须是 1 到 " + std::to_string(cmd::kMaxPageSize) + " 之间的整数"});
        else
          out.limit = n;
      } else if (k == "cursor") {
        // A cursor naming a sort comes from a list that has one (the queue), not from this route.
        out.cursor = decode_cursor(v);
        if (!out.cursor || (!out.cursor->sort.empty() && std::ranges::find(route.query, "sort") == route.query.end()))
          refuse_at(k, {"not a cursor this API issued", "无效的翻页标记"});
      } else if (k == "state" && route.pattern.starts_with("/v1/objections")) {  // an objection's state
        if (!(out.objection_state = cmd::parse_objection_state(v)))
          refuse_at(k, {"must be open or resolved", "必须是 open（待处理）或 resolved（已处理）"});
      } else if (k == "state" && route.pattern.starts_with("/v1/rounds")) {  // a round's state, not a declaration's
        if (!(out.round_state = cmd::parse_round_state(v)))
          refuse_at(k, {"must be scheduled, open or closed",
                        "必须是 scheduled（未开始）、open（申报中）或 closed（已截止）"});
      } else if (k == "state") {
        if (!(out.state = parse_state(v))) refuse_at(k, {"unknown state '" + v + "'", "未知的状态 " + v});
      } else if (k == "kind") {
        if (!(out.kind = parse_kind(v))) refuse_at(k, cmd::kKindExpected);
      } else if (k == "region" || k == "county") {
        if (!deps.regions.is_county(v))
          refuse_at(k, {"not a county-level code of Shandong", "不是山东省的县级行政区划代码"});
        else
          (k == "region" ? out.region : out.county) = v;
      } else if (k == "q") {
        auto term = cmd::search_term(v);
        if (!term)
          refuse_at(k, term.error());
        else
          out.q = *term;
      } else if (k == "round") {
        if (is_uuid(v))
          out.round = v;
        else
          refuse_at(k, {"must be a round's id (a lowercase UUID)", "必须是申报批次的编号（小写 UUID）"});
      } else if (k == "valid_until_before") {
        if (is_date(v))
          out.valid_until_before = v;
        else
          refuse_at(k, {"must be a date, YYYY-MM-DD", "必须是日期，格式为 YYYY-MM-DD"});
      } else if (k == "overdue") {
        if (v == "true" || v == "false")
          out.overdue = v == "true";
        else
          refuse_at(k, {"must be true or false", "必须是 true 或 false"});
      } else if (k == "from" || k == "to") {  // a declaration's version (the diff)
        int64_t n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > kMaxVersion)
          refuse_at(k, {"must be a version, a whole number from 1", "必须是版本号（不小于 1 的整数）"});
        else
          (k == "from" ? out.from : out.to) = n;
      } else if (k == "version") {  // the 申报书's version
        int64_t n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || ptr != v.data() + v.size() || n < 1 || n > kMaxVersion)
          refuse_at(k, {"must be a version, a whole number from 1", "必须是版本号（不小于 1 的整数）"});
        else
          out.version = n;
      } else if (k == "item") {
        static const std::regex form("[A-Za-z0-9_]{1,32}");
        if (std::regex_match(v, form))
          out.item = v;
        else
          refuse_at(k, {"must be a criterion or indicator id, or declaration",
                        "必须是指标编号，或 declaration（整份申报的材料）"});
      } else if (k == "city") {
        if (deps.regions.is_city(v))
          out.city = v;
        else
          refuse_at(k, {"not a city of Shandong (37XX00)", "不是山东省的地级市代码（37XX00）"});
      } else if (k == "sort") {
        if (!(out.sort = cmd::parse_queue_sort(v))) refuse_at(k, cmd::kQueueSortExpected);
      }
    }
    if (!problems.empty()) return refuse(Problem::invalid(std::move(problems)));
    return out;
  }

  // The body the route reads, parsed and checked against its schema; null when it reads none.
  std::expected<json, http::Response> body_of(const http::Request& req, const Route& route) const {
    if (route.schema.empty() && !(route.optional_body && !req.body.empty())) return json();
    if (!json_content_type(req.header("Content-Type")))
      return std::unexpected(problem_response(415, {"Unsupported media type", "不支持的内容类型"},
                                              {"send the body as application/json", "请以 application/json 格式提交"}));
    auto parsed = parse_json(req.body, kMaxInputDepth);  // invalid UTF-8 is a parse error too
    if (!parsed) {
      const auto& e = parsed.error();
      return std::unexpected(problem_response(
          e.kind == JsonParseError::Kind::syntax
              ? Problem::invalid("", {"the body is not valid JSON (UTF-8)", "提交的内容不是有效的 JSON（UTF-8）"})
              : Problem::invalid(e.pointer, {e.message, e.message_zh})));
    }
    if (!route.schema.empty())
      if (auto problems = deps.schemas.at(route.schema).validate(*parsed); !problems.empty())
        return std::unexpected(problem_response(Problem::invalid(std::move(problems))));
    return std::move(*parsed);
  }

  // The route's input, or the response that refuses it.
  std::expected<Input, http::Response> read(const http::Request& req, const Route& route, std::string id) const {
    Input in{req, {}, std::move(id), std::nullopt, {}, json()};
    if (route.authenticated) {
      auto actor = identify(req);
      if (!actor) return std::unexpected(problem_response(actor.error()));
      in.actor = std::move(*actor);
    }
    if (auto h = req.header("If-Match"); !h.empty() && route.if_match != IfMatch::none) {
      if (!(in.version = parse_if_match(h)))
        return std::unexpected(
            problem_response(Problem::invalid("/headers/If-Match", {"must be the ETag of the declaration, e.g. \"3\"",
                                                                    "必须是申报的 ETag，例如 \"3\""})));
    }
    if (route.authenticated) {  // public documents ignore their query
      auto query = decode_query(req, route);
      if (!query) return std::unexpected(problem_response(query.error()));
      in.query = std::move(*query);
    }
    auto body = body_of(req, route);
    if (!body) return std::unexpected(std::move(body.error()));
    in.body = std::move(*body);
    if (route.if_match == IfMatch::required && !in.version)
      return std::unexpected(problem_response(cmd::if_match_required()));
    return in;
  }

  // The handler, under the request's Idempotency-Key when the route honours one: the first
  // response is replayed, another body under the same key refused.
  http::Response run(const Route& route, Input& in) const {
    const auto& req = in.request;
    auto key = route.idempotent ? req.header("Idempotency-Key") : std::string();
    if (key.empty()) return route.handler(deps, in);
    static const std::regex form("[\\x21-\\x7e]{1,255}");
    if (!std::regex_match(key, form))
      return problem_response(Problem::invalid(
          "/headers/Idempotency-Key", {"1 to 255 visible ASCII characters", "必须是 1–255 个可见 ASCII 字符"}));
    if (!deps.idempotency) return route.handler(deps, in);
    const auto path = req.path();
    const auto scope = idempotency_scope(deps.policy.issuer, in.actor, path);
    IdempotencyStore::Result claim;
    try {
      claim = deps.idempotency->begin(scope, key, crypto::sha256_hex(req.method + " " + path + "\n" + req.body));
    } catch (const Error& e) {
      log::warn("idempotency store unavailable", {{"error", e.what()}});
      return problem_response(
          Problem::unavailable({"the idempotency store is unavailable", "请求去重记录暂不可用，未做任何更改"}));
    }
    switch (claim.claim) {
      case IdempotencyStore::Claim::replay: return *claim.stored;
      case IdempotencyStore::Claim::other_body:
        return problem_response(
            {ProblemKind::rule,
             {"Idempotency-Key reused", "请求标识（Idempotency-Key）重复"},
             {"this key was used with another request within 24 hours", "该标识在 24 小时内已用于另一个请求"},
             {}});
      case IdempotencyStore::Claim::in_progress: {
        auto busy = problem_response(
            {ProblemKind::conflict,
             {"Request in progress", "请求正在处理中"},
             {"a request with this Idempotency-Key is still being processed", "使用该请求标识的请求仍在处理中"},
             {}});
        busy.headers["Retry-After"] = std::to_string(claim.retry_after.count());
        return busy;
      }
      case IdempotencyStore::Claim::taken_over:
        log::warn("taking over an abandoned idempotency claim", {{"route", std::string(route.pattern)}});
        break;
      case IdempotencyStore::Claim::fresh: break;
    }
    // A re-run after a takeover or a lost reply does nothing twice: creations and changes carry this
    // key to the workflow (commands.hpp).
    in.request_key = crypto::sha256_hex(scope + "\n" + key);  // the scope is 64 hex digits: no ambiguity
    auto response = route.handler(deps, in);
    try {
      deps.idempotency->finish(scope, key, response);
    } catch (const Error& e) {
      log::error("could not record an idempotent response", {{"error", e.what()}});
    }
    return response;
  }

  http::Response respond(const http::Request& req, std::string* matched_route) const {
    auto match = this->match(req);
    if (!match) return std::move(match.error());
    const Route& route = *match->route;
    if (matched_route) *matched_route = route.pattern;
    if (!match->id.empty() && !is_uuid(match->id)) return problem_response(Problem::not_found(kNotFound));
    if (!match->city.empty() && !deps.regions.is_city(match->city))
      return problem_response(Problem::not_found(kNotFound));
    if (!match->number.empty() && !is_number(match->number)) return problem_response(Problem::not_found(kNotFound));
    if (!match->file.empty() && !is_uuid(match->file)) return problem_response(Problem::not_found(kNotFound));
    std::string code;
    if (!match->code.empty()) {
      auto normalised = document_code_of(match->code);
      if (!normalised)
        return problem_response(Problem::not_found({"No document has this verification code",
                                                    "验证码格式不正确：应为 16 位字母或数字，如 ABCD-EFGH-JKMN-PQRS"}));
      code = std::move(*normalised);
    }
    if (route.rate_limited && deps.objection_limit)
      if (auto wait = deps.objection_limit->admit(req.remote_address, std::chrono::steady_clock::now()))
        return too_many_requests(*wait);
    auto in = read(req, route, std::move(match->id));
    if (!in) return std::move(in.error());
    in->city = std::move(match->city);
    in->number = std::move(match->number);
    in->file = std::move(match->file);
    in->code = std::move(code);
    return run(route, *in);
  }

  http::BodyPlan admit(const http::Request& req) const {
    auto match = this->match(req);
    if (!match || !match->route->admit) return {};  // answered as any other request
    if (!is_uuid(match->id)) return {nullptr, problem_response(Problem::not_found(kNotFound))};
    auto in = read(req, *match->route, std::move(match->id));
    if (!in) return {nullptr, std::move(in.error())};
    return match->route->admit(deps, *in);
  }
};

Api::Api(ApiDeps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}

http::BodyPlan Api::admit(const http::Request& header) const {
  auto plan = impl_->admit(header);
  if (plan.refusal) localize(*plan.refusal, preferred_language(header.header("Accept-Language")));
  return plan;
}

http::Response Api::handle(const http::Request& req, std::string* matched_route) const {
  auto response = impl_->respond(req, matched_route);
  localize(response, preferred_language(req.header("Accept-Language")));
  return response;
}

}  // namespace sdp::gateway
