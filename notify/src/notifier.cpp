#include "notifier.hpp"

#include "curl.hpp"
#include "sdp/crypto.hpp"
#include "sdp/time.hpp"

namespace sdp::notify {
namespace {

using nlohmann::json;

const Text kOnlyApplicants{"Only an applicant registers a webhook for its org", "只有申报单位可以设置本单位的回调"};
const Text kForAdmins{"For admins", "仅供管理员使用"};

cmd::Document page(json items, json next_cursor, int64_t unread) {
  return {{{"items", std::move(items)}, {"next_cursor", std::move(next_cursor)}, {"unread", unread}}};
}

// The audience's unread notifications, all of them (not a page's): the console's badge and page agree.
int64_t unread_of(db::Connection& c, const std::string& audience) {
  auto r = c.query("SELECT COUNT(*) AS n FROM notifications WHERE audience = ? AND read_at IS NULL", {audience});
  r.next();
  return r.i64("n");
}

// The receiver a delivery counts against for the per-receiver limit: its URL's host.
std::string receiver_of(const std::string& url) {
  auto parts = curl::parse_url(url);
  return parts ? parts->host : std::string();
}

}  // namespace

Notifier::Recorded Notifier::on_event(const Event& e) {
  return db::transaction(pool_, [&](db::Connection& c) { return record(c, e); });
}

Notifier::Recorded Notifier::on_events(const std::vector<Event>& events) {
  return db::transaction(pool_, [&](db::Connection& c) {
    Recorded all;
    for (const auto& e : events) {
      auto one = record(c, e);
      all.fresh += one.fresh;
      all.deliveries += one.deliveries;
    }
    return all;
  });
}

Notifier::Recorded Notifier::record(db::Connection& c, const Event& e) {
  auto p = plan(e, templates_, regions_.name_of(e.data.value("region", "")));
  if (!db::mark_processed(c, "notify", e.id)) return {};
  Recorded done{1, 0};
  // A deleted draft is forgotten: its org's notifications of it go (reviewers never had any).
  if (e.type == "declaration.deleted")
    c.execute("DELETE FROM notifications WHERE declaration_id = ? AND audience = ?",
              {e.declaration_id, "org:" + e.data.value("org", "")});
  for (const auto& entry : p.inbox)
    c.execute(
        "INSERT IGNORE INTO notifications (id, audience, event_id, event_type, declaration_id, number, title, body, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
        {crypto::uuid_v7(), entry.audience, e.id, e.type, e.declaration_id, e.data.value("number", ""),
         e.data.value("title", ""), entry.body});
  // Reviewers are e-mailed their deadline reminders when SMTP is configured and they have a mailbox.
  if (!settings_.smtp_url.empty())
    for (const auto& entry : p.inbox)
      if (entry.email)
        for (const auto& address : mailboxes_of(mailboxes_, entry.audience))
          done.deliveries += static_cast<int>(c.execute(
              "INSERT IGNORE INTO deliveries (event_id, channel, recipient, target, receiver, subject, body, state, "
              "next_attempt_at, created_at) VALUES (?, 'email', ?, ?, ?, ?, ?, 'pending', UTC_TIMESTAMP(6), "
              "UTC_TIMESTAMP(6))",
              {e.id, address, address, "smtp", p.email_subject, entry.body}));
  if (!p.applicant_text) return done;
  // The org's webhook as registered now; the delivery keeps the URL it was meant for.
  auto hook = c.query("SELECT url FROM webhooks WHERE org = ?", {p.applicant_org});
  if (hook.next()) {
    auto url = hook.str("url");
    done.deliveries += static_cast<int>(c.execute(
        "INSERT IGNORE INTO deliveries (event_id, channel, recipient, target, receiver, subject, body, state, "
        "next_attempt_at, created_at) VALUES (?, 'webhook', ?, ?, ?, ?, ?, 'pending', UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))",
        {e.id, p.applicant_org, url, receiver_of(url), e.type, webhook_body(e, *p.applicant_text).dump()}));
  }
  if (p.email && !settings_.smtp_url.empty())
    done.deliveries += static_cast<int>(c.execute(
        "INSERT IGNORE INTO deliveries (event_id, channel, recipient, target, receiver, subject, body, state, "
        "next_attempt_at, created_at) VALUES (?, 'email', ?, ?, ?, ?, ?, 'pending', UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))",
        {e.id, *p.email, *p.email, "smtp", p.email_subject, *p.applicant_text}));
  return done;
}

Result<cmd::Document> Notifier::answer(const cmd::Inbox& command) {
  auto audience = audience_of(command.actor);
  if (audience.empty()) return page(json::array(), nullptr, 0);
  std::vector<db::Param> params{audience};
  std::string where = "audience = ?";
  if (const auto& after = command.cursor) {
    where += " AND (created_at < ? OR (created_at = ? AND id < ?))";
    params.insert(params.end(), {after->time, after->time, after->id});
  }
  params.emplace_back(command.limit + 1);
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT id, event_id, event_type, declaration_id, number, title, body, created_at, read_at FROM "
      "notifications WHERE " +
          where + " ORDER BY created_at DESC, id DESC LIMIT ?",
      params);
  json items = json::array();
  json next = nullptr;
  PageCursor last;
  for (int n = 0; r.next();) {
    if (++n > command.limit) {
      next = encode_cursor(last);
      break;
    }
    last = {r.str("created_at"), r.str("id")};
    items.push_back({{"id", last.id},
                     {"event_id", r.str("event_id")},
                     {"type", r.str("event_type")},
                     {"declaration_id", r.str("declaration_id")},
                     {"number", r.str("number")},
                     {"title", r.str("title")},
                     {"body", r.str("body")},
                     {"created_at", api_time(last.time)},
                     {"read", !r.is_null("read_at")}});
  }
  return page(std::move(items), std::move(next), unread_of(*c, audience));
}

Result<cmd::Document> Notifier::answer(const cmd::MarkRead& command) {
  auto audience = audience_of(command.actor);
  auto c = pool_.acquire();
  // Only the caller's own notification: another's answers not_found like one that does not exist.
  auto r = c->query("SELECT id FROM notifications WHERE id = ? AND audience = ?", {command.id, audience});
  if (audience.empty() || !r.next()) return refuse(Problem::not_found({"No such notification", "通知不存在"}));
  c->execute("UPDATE notifications SET read_at = COALESCE(read_at, UTC_TIMESTAMP(6)) WHERE id = ?", {command.id});
  return cmd::Document{{{"id", command.id}, {"read", true}}};
}

Result<cmd::Document> Notifier::answer(const cmd::MarkManyRead& command) {
  auto audience = audience_of(command.actor);
  if (audience.empty()) return cmd::Document{{{"unread", 0}}};
  auto c = pool_.acquire();
  // Only the caller's own: ids of another audience (or of none) are passed over, not reported, so
  // that whether they exist does not leak.
  if (command.all) {
    c->execute("UPDATE notifications SET read_at = UTC_TIMESTAMP(6) WHERE audience = ? AND read_at IS NULL",
               {audience});
  } else {
    std::string marks;
    std::vector<db::Param> params{audience};
    for (const auto& id : command.ids) {
      marks += marks.empty() ? "?" : ", ?";
      params.emplace_back(id);
    }
    c->execute(
        "UPDATE notifications SET read_at = UTC_TIMESTAMP(6) WHERE audience = ? AND read_at IS NULL AND id IN (" +
            marks + ")",
        params);
  }
  return cmd::Document{{{"unread", unread_of(*c, audience)}}};
}

Result<cmd::Document> Notifier::answer(const cmd::GetWebhook& command) {
  if (command.actor.role != Role::applicant)
    return refuse(Problem::forbidden({"Only an applicant has a webhook for its org", "只有申报单位有本单位的回调"}));
  auto c = pool_.acquire();
  auto r = c->query("SELECT url, updated_at FROM webhooks WHERE org = ?", {command.actor.org});
  if (!r.next())
    return refuse(Problem{ProblemKind::not_found,
                          {"No webhook registered", "尚未设置回调"},
                          {"register one with PUT /v1/webhook", "请先设置回调地址"},
                          {}});
  // The secret is never shown again, not even to its org.
  return cmd::Document{
      {{"url", r.str("url")}, {"org", command.actor.org}, {"updated_at", api_time(r.str("updated_at"))}}};
}

Result<cmd::Document> Notifier::answer(const cmd::SetWebhook& command) {
  if (command.actor.role != Role::applicant) return refuse(Problem::forbidden(kOnlyApplicants));
  if (auto why = refuse_url(command.url, settings_.allow_private)) return refuse(Problem::invalid("/url", *why));
  const auto& org = command.actor.org;
  auto c = pool_.acquire();
  c->execute(
      "INSERT INTO webhooks (org, url, secret_sealed, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6)) "
      "ON DUPLICATE KEY UPDATE url = VALUES(url), secret_sealed = VALUES(secret_sealed), updated_at = "
      "VALUES(updated_at)",
      {org, command.url, crypto::seal(settings_.seal_key, command.secret)});
  auto saved = c->query("SELECT updated_at FROM webhooks WHERE org = ?", {org});
  std::optional<std::string> updated_at;
  if (saved.next()) updated_at = saved.str("updated_at");
  return cmd::Document{{{"url", command.url}, {"org", org}, {"updated_at", api_time(updated_at)}}};
}

Result<cmd::Document> Notifier::answer(const cmd::DeadDeliveries& command) {
  if (command.actor.role != Role::admin) return refuse(Problem::forbidden(kForAdmins));
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
                     {"created_at", api_time(r.str("created_at"))}});
  return cmd::Document{{{"items", std::move(items)}}};
}

Result<cmd::Document> Notifier::answer(const cmd::ReplayDeliveries& command) {
  if (command.actor.role != Role::admin) return refuse(Problem::forbidden(kForAdmins));
  auto id = command.id.value_or(0);  // 0: every dead delivery
  auto c = pool_.acquire();
  auto n = c->execute(
      "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(6) "
      "WHERE state = 'dead' AND (? = 0 OR id = ?)",
      {id, id});
  return cmd::Document{{{"replayed", n}}};
}

}  // namespace sdp::notify
