#pragma once
// Who hears of a declaration event, and what they read: pure, from the templates in
// schemas/notify/templates.json (one per event and audience, in Chinese).

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/actor.hpp"
#include "sdp/event.hpp"
#include "sdp/regions.hpp"

namespace sdp::notify {

// What notify checks an event message against: the envelope of every event
// (schemas/events/envelope.schema.json) and the data of the declaration.* events it consumes
// (schemas/events/declaration.schema.json, CONTRACT §5).
struct EventSchemas {
  JsonSchema envelope;
  JsonSchema declaration_data;
};

// The event of a message, or why it is rejected (dead-lettered): each problem with its pointer.
std::expected<Event, std::string> read_event(std::string_view text, const EventSchemas& schemas);

class Templates {
 public:
  static Templates from_json(const nlohmann::json& j);  // throws sdp::Error naming a missing part
  std::optional<std::string> applicant_message(const Event& e) const;
  std::optional<std::string> reviewer_message(const Event& e, const std::string& region_name) const;
  // The text for the experts of a panel event (CONTRACT §8), none for another event.
  std::optional<std::string> expert_message(const Event& e) const;
  // The province's text of a new objection.
  std::string objection_message(const Event& e) const;
  // A declaration.reminder's text for `part` (due_soon, overdue, overdue_above, email_subject).
  std::string reminder_message(const Event& e, const std::string& part, const std::string& region_name) const;

 private:
  std::string fill(const std::string& text, const Event& e, const std::string& region_name) const;
  nlohmann::json doc_;
};

struct InboxEntry {
  std::string audience;  // "org:<USCC>" | "reviewer:<tier>:<region>" | "expert:<sub>"
  std::string body;
  bool email = false;  // also e-mailed to the audience's reviewer mailboxes (deadline reminders)
};

struct Plan {
  std::vector<InboxEntry> inbox;
  std::string applicant_org;  // webhook recipient
  std::optional<std::string> applicant_text;
  std::optional<std::string> email;  // contact.email, for e-mail
  std::string email_subject;         // of every e-mail the event sends
};

// The notifications one event gives rise to. `region_name` names the declaration's county.
Plan plan(const Event& e, const Templates& templates, const std::string& region_name);

// Reviewers' e-mail addresses by jurisdiction ("county:370102", "city:370100", "province:370000"),
// from the file SDP_REVIEWER_MAILBOXES names: there is no user directory.
using Mailboxes = std::map<std::string, std::vector<std::string>>;
// Throws sdp::Error (config) naming the first bad entry: a key that is no jurisdiction of Shandong,
// or an address that is not one.
Mailboxes read_mailboxes(const nlohmann::json& doc, const RegionCatalog& regions);
// The addresses of an audience "reviewer:<tier>:<region>"; none for any other.
std::vector<std::string> mailboxes_of(const Mailboxes& mailboxes, const std::string& audience);

// The audience key of a caller's inbox; empty for a caller without one (admin).
std::string audience_of(const Actor& actor);

// The webhook body of CONTRACT §4: a stable event id and what happened.
nlohmann::json webhook_body(const Event& e, const std::string& text);

}  // namespace sdp::notify
