#pragma once
// notify's database side: turning an event into inbox entries and deliveries once, the inbox
// queries, webhook registration and the dead-letter view an admin replays from.

#include <nlohmann/json.hpp>

#include "delivery.hpp"
#include "messages.hpp"
#include "sdp/commands.hpp"
#include "sdp/db.hpp"
#include "sdp/regions.hpp"

namespace sdp::notify {

class Notifier {
 public:
  Notifier(db::Pool& pool, const Templates& templates, const RegionCatalog& regions, const DeliverySettings& settings,
           Mailboxes mailboxes = {})
      : pool_(pool), templates_(templates), regions_(regions), settings_(settings), mailboxes_(std::move(mailboxes)) {}

  // What recording events wrote: how many of them were new (an event handled already writes
  // nothing twice), and how many deliveries they queued for the senders.
  struct Recorded {
    int fresh = 0;
    int deliveries = 0;
  };
  // In one transaction: the event marked processed, its inbox entries and its deliveries.
  Recorded on_event(const Event& e);
  // The same for several events in one transaction (one commit for a whole fetch).
  Recorded on_events(const std::vector<Event>& events);

  // The commands notify serves (the gateway's, and the operators' dead-letter pair).
  Result<cmd::Document> answer(const cmd::Inbox& c);
  Result<cmd::Document> answer(const cmd::MarkRead& c);
  Result<cmd::Document> answer(const cmd::MarkManyRead& c);
  Result<cmd::Document> answer(const cmd::GetWebhook& c);
  Result<cmd::Document> answer(const cmd::SetWebhook& c);
  Result<cmd::Document> answer(const cmd::DeadDeliveries& c);
  Result<cmd::Document> answer(const cmd::ReplayDeliveries& c);

 private:
  Recorded record(db::Connection& c, const Event& e);  // on_event's work, in the caller's transaction

  db::Pool& pool_;
  const Templates& templates_;
  const RegionCatalog& regions_;
  const DeliverySettings& settings_;
  Mailboxes mailboxes_;  // reviewers' e-mail by jurisdiction (SDP_REVIEWER_MAILBOXES)
};

}  // namespace sdp::notify
