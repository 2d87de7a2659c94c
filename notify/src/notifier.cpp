#include "notifier.hpp"

#include <curl/curl.h>

#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"
#include "sdp/messages.hpp"
#include "sdp/time.hpp"

namespace sdp::notify {
namespace {

using nlohmann::json;

// Words people read go in both languages; the gateway picks (CONTRACT §3).
json problem(int status, const Text& title, const Text& detail = {}) {
  json j = {{"status", status}, {"title", title.en}, {"title_zh", title.zh}};
  if (!detail.en.empty()) j["detail"] = detail.en, j["detail_zh"] = detail.zh;
  return j;
}

json invalid(const std::string& pointer, const Text& message) {
  auto j = problem(400, {"The request is not valid", "提交的内容有误"});
  j["errors"] = json::array({{{"pointer", pointer}, {"message", message.en}, {"message_zh", message.zh}}});
  return j;
}

const Text kOnlyApplicants{"Only an applicant registers a webhook for its org", "只有申报单位可以设置本单位的回调"};
const Text kForAdmins{"For admins", "仅供管理员使用"};

std::string rfc3339(const std::optional<std::string>& t) { return t ? rfc3339_of_db_time(*t).value_or("") : ""; }

std::string host_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string host;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) host = h;
    curl_free(h);
  }
  curl_url_cleanup(u);
  return host;
}

}  // namespace

bool Notifier::on_event(const Event& e) {
  return db::transaction(pool_, [&](db::Connection& c) { return record(c, e); });
}

int Notifier::on_events(const std::vector<Event>& events) {
  return db::transaction(pool_, [&](db::Connection& c) {
    int fresh = 0;
    for (const auto& e : events) fresh += record(c, e) ? 1 : 0;
    return fresh;
  });
}

bool Notifier::record(db::Connection& c, const Event& e) {
  auto p = plan(e, templates_, regions_.name_of(e.data.value("region", "")));
  if (!db::mark_processed(c, "notify", e.id)) return false;
  for (const auto& entry : p.inbox)
    c.execute(
        "INSERT IGNORE INTO notifications (id, audience, event_id, event_type, declaration_id, number, title, body, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
        {crypto::uuid_v7(), entry.audience, e.id, e.type, e.declaration_id, e.data.value("number", ""),
         e.data.value("title", ""), entry.body});
  if (!p.applicant_text) return true;
  // The org's webhook as registered now; the delivery keeps the URL it was meant for.
  auto hook = c.query("SELECT url FROM webhooks WHERE org = ?", {p.applicant_org});
  if (hook.next()) {
    auto url = hook.str("url");
    c.execute(
        "INSERT IGNORE INTO deliveries (event_id, channel, recipient, target, receiver, subject, body, state, "
        "next_attempt_at, created_at) VALUES (?, 'webhook', ?, ?, ?, ?, ?, 'pending', UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))",
        {e.id, p.applicant_org, url, host_of(url), e.type, webhook_body(e, *p.applicant_text).dump()});
  }
  if (p.email && !settings_.smtp_url.empty())
    c.execute(
        "INSERT IGNORE INTO deliveries (event_id, channel, recipient, target, receiver, subject, body, state, "
        "next_attempt_at, created_at) VALUES (?, 'email', ?, ?, ?, ?, ?, 'pending', UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))",
        {e.id, *p.email, *p.email, "smtp", "【山东省数字经济申报平台】" + e.data.value("number", ""),
         *p.applicant_text});
  return true;
}

json Notifier::handle(const std::string& verb, const json& request) {
  if (!request.is_object() || !request.contains("actor")) return problem(401, {"Unknown caller", "无法识别调用者"});
  if (verb == "inbox") return inbox(request);
  if (verb == "mark_read") return mark_read(request);
  if (verb == "webhook") return set_webhook(request);
  if (verb == "get_webhook") return get_webhook(request);
  if (verb == "dead_deliveries") return dead_deliveries(request);
  if (verb == "replay") return replay(request);
  return problem(404, {"Unknown command", "未知的命令"});
}

json Notifier::inbox(const json& request) {
  auto audience = audience_of(request["actor"]);
  if (audience.empty()) return {{"status", 200}, {"body", {{"items", json::array()}, {"next_cursor", nullptr}}}};
  int limit = request.value("limit", 20);
  std::vector<db::Param> params{audience};
  std::string where = "audience = ?";
  if (auto cursor = request.value("cursor", ""); !cursor.empty()) {
    auto c = decode_cursor(cursor);
    if (!c) return invalid("/query/cursor", {"not a cursor this service issued", "无效的翻页标记"});
    where += " AND (created_at < ? OR (created_at = ? AND id < ?))";
    params.emplace_back(c->time);
    params.emplace_back(c->time);
    params.emplace_back(c->id);
  }
  params.emplace_back(limit + 1);
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT id, event_id, event_type, declaration_id, number, title, body, created_at, read_at FROM "
      "notifications WHERE " +
          where + " ORDER BY created_at DESC, id DESC LIMIT ?",
      params);
  json items = json::array();
  json next = nullptr;
  std::string last_time, last_id;
  int n = 0;
  while (r.next()) {
    if (++n > limit) {
      next = encode_cursor({last_time, last_id});
      break;
    }
    last_time = r.str("created_at");
    last_id = r.str("id");
    items.push_back({{"id", last_id},
                     {"event_id", r.str("event_id")},
                     {"type", r.str("event_type")},
                     {"declaration_id", r.str("declaration_id")},
                     {"number", r.str("number")},
                     {"title", r.str("title")},
                     {"body", r.str("body")},
                     {"created_at", rfc3339(last_time)},
                     {"read", !r.is_null("read_at")}});
  }
  return {{"status", 200}, {"body", {{"items", items}, {"next_cursor", next}}}};
}

json Notifier::mark_read(const json& request) {
  auto audience = audience_of(request["actor"]);
  auto c = pool_.acquire();
  // Only the caller's own notification: another's answers 404 like one that does not exist.
  auto r = c->query("SELECT id FROM notifications WHERE id = ? AND audience = ?", {request.value("id", ""), audience});
  if (audience.empty() || !r.next()) return problem(404, {"No such notification", "通知不存在"});
  c->execute("UPDATE notifications SET read_at = COALESCE(read_at, UTC_TIMESTAMP(6)) WHERE id = ?",
             {request.value("id", "")});
  return {{"status", 200}, {"body", {{"id", request.value("id", "")}, {"read", true}}}};
}

json Notifier::get_webhook(const json& request) {
  const auto& actor = request["actor"];
  if (actor.value("role", "") != "applicant")
    return problem(403, {"Only an applicant has a webhook for its org", "只有申报单位有本单位的回调"});
  auto c = pool_.acquire();
  auto r = c->query("SELECT url, updated_at FROM webhooks WHERE org = ?", {actor.value("org", "")});
  if (!r.next())
    return problem(404, {"No webhook registered", "尚未设置回调"},
                   {"register one with PUT /v1/webhook", "请先设置回调地址"});
  // The secret is never shown again, not even to its org.
  return {
      {"status", 200},
      {"body", {{"url", r.str("url")}, {"org", actor.value("org", "")}, {"updated_at", rfc3339(r.str("updated_at"))}}}};
}

json Notifier::set_webhook(const json& request) {
  const auto& actor = request["actor"];
  if (actor.value("role", "") != "applicant") return problem(403, kOnlyApplicants);
  const auto& hook = request.value("webhook", json::object());
  auto url = hook.value("url", "");
  auto secret = hook.value("secret", "");
  if (auto why = refuse_url(url, settings_.allow_private)) return invalid("/url", *why);
  if (secret.size() < 16) return invalid("/secret", {"at least 16 characters", "至少 16 个字符"});
  auto c = pool_.acquire();
  c->execute(
      "INSERT INTO webhooks (org, url, secret_sealed, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6)) "
      "ON DUPLICATE KEY UPDATE url = VALUES(url), secret_sealed = VALUES(secret_sealed), updated_at = "
      "VALUES(updated_at)",
      {actor.value("org", ""), url, crypto::seal(settings_.seal_key, secret)});
  auto saved = c->query("SELECT updated_at FROM webhooks WHERE org = ?", {actor.value("org", "")});
  std::optional<std::string> updated_at;
  if (saved.next()) updated_at = saved.str("updated_at");
  return {{"status", 200},
          {"body", {{"url", url}, {"org", actor.value("org", "")}, {"updated_at", rfc3339(updated_at)}}}};
}

json Notifier::dead_deliveries(const json& request) {
  if (request["actor"].value("role", "") != "admin") return problem(403, kForAdmins);
  auto c = pool_.acquire();
  json items = json::array();
  for (auto r =
           c->query("SELECT id, event_id, channel, recipient, target, attempts, last_error, created_at FROM deliveries "
                    "WHERE state = 'dead' ORDER BY id LIMIT 500");
       r.next();)
    items.push_back({{"id", r.i64("id")},
                     {"event_id", r.str("event_id")},
                     {"channel", r.str("channel")},
                     {"recipient", r.str("recipient")},
                     {"target", r.str("target")},
                     {"attempts", r.i64("attempts")},
                     {"last_error", r.opt_str("last_error").value_or("")},
                     {"created_at", rfc3339(r.str("created_at"))}});
  return {{"status", 200}, {"body", {{"items", items}}}};
}

json Notifier::replay(const json& request) {
  if (request["actor"].value("role", "") != "admin") return problem(403, kForAdmins);
  auto c = pool_.acquire();
  auto n = c->execute(
      "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(6) "
      "WHERE state = 'dead' AND (? = 0 OR id = ?)",
      {request.value("id", 0), request.value("id", 0)});
  return {{"status", 200}, {"body", {{"replayed", n}}}};
}

}  // namespace sdp::notify
