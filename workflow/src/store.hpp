#pragma once
// What the workflow's writers share of a declaration's rows (declarations.cpp) with the expert
// review and objections of CONTRACT §8 (experts.cpp): reading rows as a caller is shown them, the
// hash-chained history and the outbox, and the holds a panel or an objection puts on a change.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "plan.hpp"
#include "sdp/db.hpp"

namespace sdp::workflow {

// A row's JSON documents as MariaDB keeps them, for a reply that passes them on unparsed.
struct Texts {
  std::string payload, score;  // the columns' JSON text; "null" for a score there is none of
};
// A declaration's row from a query of its columns; with `texts`, its payload and score are left
// there as text and Row::payload and Row::score empty.
Row read_row(const db::Result& r, Texts* texts = nullptr);
// The row under its lock.
std::optional<Row> load(db::Connection& c, const std::string& id);
// The declaration as `actor` is shown it, if it may be shown at all.
std::optional<Row> load_shown(db::Connection& c, const Actor& actor, const RegionCatalog& regions,
                              const std::string& id, Texts* texts = nullptr);
// standing(), with an expert's assignment to the declaration read from its panel.
Standing standing_in(db::Connection& c, const Actor& actor, const RegionCatalog& regions, const Row& row);
// An entry of a declaration's hash-chained history, ready to write: its text and hash.
struct HistoryEntry {
  std::string declaration_id;
  int seq = 0;
  std::string entry, hash;
};
// The entry after `row`'s head (history_seq and history_head, read under the row's lock); with no
// `from` state, a creation's. The row's head must be moved to it in the same transaction.
HistoryEntry next_history(const Row& row, const Actor& actor, std::string_view action, std::optional<State> from,
                          State to, const std::string& comment, const std::string& at,
                          const nlohmann::json& extra = nlohmann::json::object());
// Writes the entry, or in a group commit's batch defers it to the batch's end (group_commit.hpp).
void write_history(db::Connection& c, const HistoryEntry& e);
// The next entry of a locked row's history, written, and the row's head moved to it: for a change
// that apply() does not make (apply writes the head with the rest of the row).
void append_history(db::Connection& c, const Row& row, const Actor& actor, std::string_view action,
                    std::optional<State> from, State to, const std::string& comment, const std::string& at,
                    const nlohmann::json& extra = nlohmann::json::object());
// An event of the declaration into the outbox, in the caller's transaction (in a batch, at its end).
void enqueue(db::Connection& c, const Actor& actor, const std::string& type, const Row& d, const nlohmann::json& data);

// A creation under a request key (cmd::CreateDeclaration's request_key): the `id_column` of the
// `table` row created under `key` within the last 24 hours, an Idempotency-Key's life (CONTRACT §3).
// An older row's key is cleared, so that after 24 hours the key is as good as new.
std::optional<std::string> created_under(db::Connection& c, std::string_view table, std::string_view id_column,
                                         const std::string& key, std::chrono::system_clock::time_point now);

// Whether the declaration's panel holds the province's approve at `now` (panel.hpp: panel_pending).
bool panel_holds(db::Connection& c, const std::string& id, std::chrono::system_clock::time_point now);
// The declaration's objections not yet resolved.
int open_objections(db::Connection& c, const std::string& id);
// What the declaration's view says of its 公示 being held: null when nothing holds it.
nlohmann::json publicity_hold(int open_objections);

}  // namespace sdp::workflow
