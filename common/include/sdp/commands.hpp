#pragma once
// The commands services answer over NATS request–reply (CONTRACT §3 behind the gateway): one
// request type and one reply type per verb, with the one codec both sides use.
//
// On the wire a command is {"actor"?, "id"?, "expected_version"?, "query"?: {…}, "body"?: {…}}:
// what the HTTP request carried (identity, path, If-Match, query, body), already checked by the
// gateway against its schema. A reply is {"ok": <reply>} or {"problem": <Problem>}. Decoding is
// structural (types and required fields), and its problems point where the HTTP request would:
// "/title", "/query/limit". A service trusts a decoded command and checks only its own invariants.
//
// A new verb: a struct here with `service`, `verb` and `Reply`, its to_json/from_json in
// commands.cpp, a row in the gateway's route table and one in its service's verb table.

#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/actor.hpp"
#include "sdp/cursor.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"

namespace sdp::cmd {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

template <class T>
struct Tag {};

// ---- replies ----
struct Empty {};
// A document the gateway answers as it is; its shape is the API's (schemas/api/openapi.json).
struct Document {
  nlohmann::json body;
};
// A declaration as the caller is shown it (CONTRACT §3), with what HTTP needs of it.
struct Declaration {
  std::string id;
  int64_t version = 0;
  nlohmann::json body;
};

// A reply serialised once, where it is made, and answered by the gateway as the bytes it came as
// (issue 21: a declaration by id and the review queue, the reads that are most of the traffic):
// the JSON text, and a declaration's id and version for ETag (empty and 0 for a document). On the
// wire a short header line with the id and version precedes the text, so nothing parses it again.
struct Serialized {
  std::string id;
  int64_t version = 0;
  std::string json;
};
Serialized serialized(const Declaration& d);
Serialized serialized(const Document& d);

// A round as the caller is shown it (CONTRACT §6), with its version for ETag.
struct Round {
  std::string id;
  int64_t version = 0;
  nlohmann::json body;
};

// A round's state, derived from the clock: scheduled before opens_at, open in [opens_at, closes_at), closed after.
enum class RoundState { scheduled, open, closed };
std::string_view name(RoundState s);
std::optional<RoundState> parse_round_state(std::string_view s);

// The working days each tier has to decide (办理时限).
struct ReviewDays {
  int county = 5, city = 10, province = 15;
  int of(Tier t) const { return t == Tier::county ? county : t == Tier::city ? city : province; }
  bool operator==(const ReviewDays&) const = default;
};

struct Contact {
  std::string name;
  std::string phone;
  std::optional<std::string> email;
  nlohmann::json to_json() const;
  // From JSON already known to have this shape (a body the schema passed, the workflow's own column).
  static Contact from_json(const nlohmann::json& j);
  bool operator==(const Contact&) const = default;
};

// The words for a kind that is neither programme, wherever one is refused.
inline const Text kKindExpected{"must be morning_star or industry_brain",
                                "必须是 morning_star（晨星工厂）或 industry_brain（产业大脑）"};

// ---- workflow ----
struct Ping {
  static constexpr std::string_view service = "workflow", verb = "ping";
  using Reply = Empty;
};

// A creation's `request_key` (CreateDeclaration, CreateRound, CreateExpert): 64 lowercase hex
// digits the gateway derives from the request's Idempotency-Key and its scope. A creation under a
// key that already created a row answers that row and writes nothing, so a request re-run after its
// gateway died (an abandoned idempotency claim taken over) does not create a second one. None: as before.
// A change's `request_key` (Submit-, Withdraw-, DecideDeclaration, SubmitExpertReview,
// ResolveObjection): the same digits; a change under a key that already succeeded answers the reply
// recorded then (workflow's command_replies) and does nothing, so a retry after a lost reply (a 503
// that released the key) gets the first response, not the 409 or 412 of the state it made.

struct CreateDeclaration {
  static constexpr std::string_view service = "workflow", verb = "create";
  using Reply = Declaration;
  Actor actor;
  std::optional<Kind> kind;  // the round's; one given and different is invalid
  std::string round;         // the round's id
  std::string region;
  std::string title;
  std::optional<std::string> org_name;  // 企业名称, required at submit
  Contact contact;
  nlohmann::json payload = nlohmann::json::object();
  std::optional<std::string> request_key;  // a creation's key, above CreateDeclaration
};

struct GetDeclaration {
  static constexpr std::string_view service = "workflow", verb = "get";
  using Reply = Serialized;  // a Declaration's body, serialised
  Actor actor;
  std::string id;
};

struct UpdateDeclaration {
  static constexpr std::string_view service = "workflow", verb = "update";
  using Reply = Declaration;
  Actor actor;
  std::string id;
  int64_t expected_version = 0;  // If-Match, required
  std::string title;
  // None: unchanged. A draft may be incomplete (CONTRACT §3): submit checks what is required.
  std::optional<std::string> org_name;
  std::optional<Contact> contact;
  std::optional<nlohmann::json> payload;
};

struct SubmitDeclaration {
  static constexpr std::string_view service = "workflow", verb = "submit";
  using Reply = Declaration;
  Actor actor;
  std::string id;
  std::optional<int64_t> expected_version;  // If-Match, when sent
  std::optional<std::string> request_key;   // a change's key, above CreateDeclaration
};

struct WithdrawDeclaration {
  static constexpr std::string_view service = "workflow", verb = "withdraw";
  using Reply = Declaration;
  Actor actor;
  std::string id;
  std::optional<int64_t> expected_version;
  std::optional<std::string> request_key;  // a change's key, above CreateDeclaration
};

struct DecideDeclaration {
  static constexpr std::string_view service = "workflow", verb = "decide";
  using Reply = Declaration;
  Actor actor;
  std::string id;
  int64_t expected_version = 0;  // If-Match, required
  Decision decision = Decision::approve;
  std::string comment;
  std::optional<nlohmann::json> verified;  // the reviewer's verdict, checked against the model by workflow
  std::optional<std::string> request_key;  // a change's key, above CreateDeclaration
};

struct ListDeclarations {
  static constexpr std::string_view service = "workflow", verb = "list";
  using Reply = Document;  // {items, next_cursor}
  Actor actor;
  std::optional<State> state;
  std::optional<Kind> kind;
  int limit = kDefaultPageSize;
  std::optional<PageCursor> cursor;
  std::optional<std::string> valid_until_before;  // YYYY-MM-DD: approved ratings expiring before that day
};

// The orders of a reviewer's queue: first arrived first (the default), or nearest due date first
// (no due date last). A cursor names the order it was taken in.
enum class QueueSort { arrived_at, due_at };
std::string_view name(QueueSort s);
std::optional<QueueSort> parse_queue_sort(std::string_view s);
inline const Text kQueueSortExpected{"must be arrived_at or due_at",
                                     "必须是 arrived_at（按到达时间）或 due_at（按办理时限）"};

// q= of a queue as it is searched for: trimmed of spaces (ASCII and the ideographic U+3000), Latin
// letters lower-cased; nothing when that leaves it empty; a problem when it is not UTF-8, holds a
// control character or is longer than kMaxSearchChars characters.
inline constexpr size_t kMaxSearchChars = 50;
std::expected<std::optional<std::string>, Text> search_term(std::string_view raw);
// The code points of `s`, or nothing when it is not UTF-8 (overlong forms and surrogates included).
std::optional<std::vector<char32_t>> utf8_code_points(std::string_view s);

struct PendingReviews {
  static constexpr std::string_view service = "workflow", verb = "pending";
  using Reply = Serialized;  // a Document {items, next_cursor, total}, serialised
  Actor actor;
  std::optional<Kind> kind;
  std::optional<std::string> county;  // a county-level code; outside the caller's jurisdiction: refused (rule)
  int limit = kDefaultPageSize;
  std::optional<PageCursor> cursor;  // taken in `sort`, else refused (rule)
  std::optional<std::string> q;      // a search_term: a substring of number, org, org_name or title
  std::optional<std::string> round;  // a round's id
  bool overdue = false;              // only those past due_at, with the tier below's (escalated)
  QueueSort sort = QueueSort::arrived_at;
};

// Deletes a draft never submitted (owner only; If-Match required): its content and history go,
// a tombstone keeps its number for the audit.
struct DeleteDeclaration {
  static constexpr std::string_view service = "workflow", verb = "delete";
  using Reply = Empty;
  Actor actor;
  std::string id;
  int64_t expected_version = 0;  // If-Match, required
};

// What changed between two content versions the caller may see (none given: the defaults).
struct DeclarationDiff {
  static constexpr std::string_view service = "workflow", verb = "diff";
  using Reply = Document;  // {from, to, changes: [{pointer, item, field, before, after}]}
  Actor actor;
  std::string id;
  std::optional<int64_t> from, to;
};

struct DeclarationHistory {
  static constexpr std::string_view service = "workflow", verb = "history";
  using Reply = Document;  // {items, chain_valid, first_broken_seq}
  Actor actor;
  std::string id;
};

struct Statistics {
  static constexpr std::string_view service = "workflow", verb = "stats";
  using Reply = Document;
  Actor actor;
  std::optional<std::string> round;  // counts of that round only, with its per-round figures
};

// Rounds (申报批次, CONTRACT §6). Times are RFC 3339.
struct CreateRound {
  static constexpr std::string_view service = "workflow", verb = "create_round";
  using Reply = Round;
  Actor actor;
  Kind kind = Kind::morning_star;
  int year = 0;
  std::string title;
  std::string opens_at, closes_at;
  ReviewDays review_working_days;
  std::map<std::string, int> quotas;  // city code -> 推荐名额
  int publicity_working_days = 5;
  int validity_years = 3;
  std::optional<std::string> request_key;  // a creation's key, above CreateDeclaration
};

struct ListRounds {
  static constexpr std::string_view service = "workflow", verb = "list_rounds";
  using Reply = Document;  // {items}
  Actor actor;
  std::optional<Kind> kind;
  std::optional<RoundState> state;
};

struct GetRound {
  static constexpr std::string_view service = "workflow", verb = "get_round";
  using Reply = Round;
  Actor actor;
  std::string id;
};

// A PATCH: only what it names changes.
struct UpdateRound {
  static constexpr std::string_view service = "workflow", verb = "update_round";
  using Reply = Round;
  Actor actor;
  std::string id;
  int64_t expected_version = 0;  // If-Match, required
  std::optional<std::string> title, opens_at, closes_at;
  std::optional<ReviewDays> review_working_days;
  std::optional<std::map<std::string, int>> quotas;
  std::optional<int> publicity_working_days, validity_years;
};

// A city's recommendations in a round (推荐, CONTRACT §6), in its order.
struct GetRecommendations {
  static constexpr std::string_view service = "workflow", verb = "get_recommendations";
  using Reply = Document;  // {round, city, city_name, quota, used, items}
  Actor actor;
  std::string id;  // the round's
  std::string city;
};

// The city's ranking: exactly its current recommendations, first the one it puts first.
struct RankRecommendations {
  static constexpr std::string_view service = "workflow", verb = "rank_recommendations";
  using Reply = Document;  // as GetRecommendations
  Actor actor;
  std::string id;  // the round's
  std::string city;
  std::vector<std::string> ids;
};

// ---- expert review and objections during 公示 (CONTRACT §8), workflow ----
// An expert of the pool: `sub` is the id its tokens carry.
struct CreateExpert {
  static constexpr std::string_view service = "workflow", verb = "create_expert";
  using Reply = Document;  // the expert
  Actor actor;
  std::string sub, name;
  std::optional<std::string> employer;  // 统一社会信用代码 of its employer; none: no employer to conflict with
  std::string home_region;              // a county or city code of Shandong
  std::vector<Kind> kinds;
  std::optional<std::string> request_key;  // a creation's key, above CreateDeclaration
};

struct ListExperts {
  static constexpr std::string_view service = "workflow", verb = "list_experts";
  using Reply = Document;  // {items}
  Actor actor;
  std::optional<Kind> kind;
};

// Assigns (or re-assigns) a declaration's panel; experts who have reviewed stay on it.
struct AssignPanel {
  static constexpr std::string_view service = "workflow", verb = "assign_panel";
  using Reply = Document;  // the panel, as GetPanel
  Actor actor;
  std::string id;
  std::vector<std::string> experts;  // subs
  std::string due_at;                // RFC 3339
};

struct GetPanel {
  static constexpr std::string_view service = "workflow", verb = "get_panel";
  using Reply = Document;  // {experts, due_at, reviews, result}
  Actor actor;
  std::string id;
};

// The pool's experts of the declaration's kind, each with the conflict that would refuse it (the
// province's check before saving a panel).
struct PanelCandidates {
  static constexpr std::string_view service = "workflow", verb = "panel_candidates";
  using Reply = Document;  // {items: [{sub, name, …, assigned, conflict}]}
  Actor actor;
  std::string id;
};

struct SubmitExpertReview {
  static constexpr std::string_view service = "workflow", verb = "expert_review";
  using Reply = Document;  // the panel as the expert now sees it
  Actor actor;
  std::string id;
  double score = 0;
  std::string opinion;
  std::optional<nlohmann::json> items;     // {dimension or criterion id: note}
  std::optional<std::string> request_key;  // a change's key, above CreateDeclaration
};

// An expert's queue: the declarations assigned to it, newest assignment first.
struct AssignedReviews {
  static constexpr std::string_view service = "workflow", verb = "assigned_reviews";
  using Reply = Document;  // {items, next_cursor, total}
  Actor actor;
  int limit = kDefaultPageSize;
  std::optional<PageCursor> cursor;
};

// The declarations in 公示, for anyone: nothing private in them.
struct PublicNotices {
  static constexpr std::string_view service = "workflow", verb = "public_notices";
  using Reply = Document;  // {items, total}
};

// A real-name objection to a declaration in 公示, from anyone (checked at the edge: name, an identity
// number or an org's code, phone, content).
struct FileObjection {
  static constexpr std::string_view service = "workflow", verb = "file_objection";
  using Reply = Document;  // {id, number, state, filed_at}
  std::string number, name;
  std::optional<std::string> id_number, org;
  std::string phone, content;
};

enum class ObjectionState { open, resolved };
std::string_view name(ObjectionState s);
std::optional<ObjectionState> parse_objection_state(std::string_view s);
enum class ObjectionOutcome { upheld, dismissed };
std::string_view name(ObjectionOutcome o);
std::optional<ObjectionOutcome> parse_objection_outcome(std::string_view s);

struct ListObjections {
  static constexpr std::string_view service = "workflow", verb = "list_objections";
  using Reply = Document;  // {items, next_cursor}
  Actor actor;
  std::optional<ObjectionState> state;
  int limit = kDefaultPageSize;
  std::optional<PageCursor> cursor;
};

struct ResolveObjection {
  static constexpr std::string_view service = "workflow", verb = "resolve_objection";
  using Reply = Document;  // the objection
  Actor actor;
  std::string id;
  ObjectionOutcome outcome = ObjectionOutcome::dismissed;
  std::string comment;
  std::optional<std::string> request_key;  // a change's key, above CreateDeclaration
};

// ---- evidence files (CONTRACT §7): workflow keeps their metadata, the gateway their bytes ----
// A file's metadata as the API shows it: {id, item, name, media_type, size, sha256, uploaded_at}.
struct AddFile {
  static constexpr std::string_view service = "workflow", verb = "add_file";
  using Reply = Document;  // {file, created}: created false when the same bytes were already listed for the item
  Actor actor;
  std::string id;  // the declaration's
  std::string item, name, media_type, sha256;
  int64_t size = 0;
  int64_t max_total = 0;  // bytes a declaration's files may hold together (SDP_FILES_MAX_TOTAL)
  int max_count = 0;      // files a declaration may list (SDP_FILES_MAX_COUNT)
};

struct ListFiles {
  static constexpr std::string_view service = "workflow", verb = "list_files";
  using Reply = Document;  // {items}: the files of the version the caller sees
  Actor actor;
  std::string id;
};

struct DeleteFile {
  static constexpr std::string_view service = "workflow", verb = "delete_file";
  using Reply = Empty;
  Actor actor;
  std::string id;  // the declaration's
  std::string file_id;
};

// May the caller read the file: it is listed by a version of a declaration the caller sees.
struct FileAccess {
  static constexpr std::string_view service = "workflow", verb = "file_access";
  using Reply = Document;  // the file's metadata, with its declaration's id as `declaration`
  Actor actor;
  std::string file_id;
};

// For the sweeper of stored bytes: which of these SHA-256s any file still names.
inline constexpr size_t kMaxNamedBlobs = 500;
struct NamedBlobs {
  static constexpr std::string_view service = "workflow", verb = "named_blobs";
  using Reply = Document;  // {named: [sha256…]}
  Actor actor;             // the system
  std::vector<std::string> sha256s;
};

// The 申报书 of one content version (CONTRACT §9): what the gateway prints, and the version's
// verification code, recorded here on first use. None given: the version last submitted (the
// applicant's newest draft while it has never submitted one).
struct DeclarationDocument {
  static constexpr std::string_view service = "workflow", verb = "document";
  using Reply = Document;  // {declaration, round, version, submitted, submitted_at, content, files, score, …}
  Actor actor;
  std::string id;
  std::optional<int64_t> version;
};

// What a printed 申报书's verification code stands for, for anyone: no actor.
struct VerifyDocument {
  static constexpr std::string_view service = "workflow", verb = "verify_document";
  using Reply = Document;  // {code, number, kind, version, org_name, title, content_sha256, submitted, latest}
  std::string code;        // 16 characters of Crockford base32, upper case
};

// ---- notify ----
struct Inbox {
  static constexpr std::string_view service = "notify", verb = "inbox";
  using Reply = Document;  // {items, next_cursor}
  Actor actor;
  int limit = kDefaultPageSize;
  std::optional<PageCursor> cursor;
};

struct MarkRead {
  static constexpr std::string_view service = "notify", verb = "mark_read";
  using Reply = Document;  // {id, read}
  Actor actor;
  std::string id;
};

// Marks the caller's notifications read: all of them, or those named (at most kMaxMarkRead).
inline constexpr size_t kMaxMarkRead = 100;
struct MarkManyRead {
  static constexpr std::string_view service = "notify", verb = "mark_many_read";
  using Reply = Document;  // {unread}: the caller's unread count after
  Actor actor;
  bool all = false;
  std::vector<std::string> ids;
};

struct GetWebhook {
  static constexpr std::string_view service = "notify", verb = "get_webhook";
  using Reply = Document;  // {url, org, updated_at}
  Actor actor;
};

struct SetWebhook {
  static constexpr std::string_view service = "notify", verb = "webhook";
  using Reply = Document;  // {url, org, updated_at}
  Actor actor;
  std::string url;
  std::string secret;
};

struct DeadDeliveries {
  static constexpr std::string_view service = "notify", verb = "dead_deliveries";
  using Reply = Document;  // {items}
  Actor actor;
};

struct ReplayDeliveries {
  static constexpr std::string_view service = "notify", verb = "replay";
  using Reply = Document;  // {replayed}
  Actor actor;
  std::optional<int64_t> id;  // one delivery; none: every dead one
};

// ---- scoring ----
struct PreviewScore {
  static constexpr std::string_view service = "scoring", verb = "preview";
  using Reply = Document;  // the score object
  Kind kind = Kind::morning_star;
  nlohmann::json payload = nlohmann::json::object();
  std::optional<nlohmann::json> verified;
};

// precondition_required: an edit or a decision must name the version it was made on (CONTRACT §3).
Problem if_match_required();

// ---- the codec: one pair per type ----
#define SDP_COMMAND_CODEC(T)              \
  nlohmann::json to_json(const T& value); \
  Result<T> from_json(const nlohmann::json& j, Tag<T>);
SDP_COMMAND_CODEC(Empty)
SDP_COMMAND_CODEC(Document)
SDP_COMMAND_CODEC(Declaration)
SDP_COMMAND_CODEC(Round)
SDP_COMMAND_CODEC(CreateRound)
SDP_COMMAND_CODEC(ListRounds)
SDP_COMMAND_CODEC(GetRound)
SDP_COMMAND_CODEC(UpdateRound)
SDP_COMMAND_CODEC(GetRecommendations)
SDP_COMMAND_CODEC(RankRecommendations)
SDP_COMMAND_CODEC(Ping)
SDP_COMMAND_CODEC(CreateDeclaration)
SDP_COMMAND_CODEC(GetDeclaration)
SDP_COMMAND_CODEC(UpdateDeclaration)
SDP_COMMAND_CODEC(SubmitDeclaration)
SDP_COMMAND_CODEC(WithdrawDeclaration)
SDP_COMMAND_CODEC(DecideDeclaration)
SDP_COMMAND_CODEC(ListDeclarations)
SDP_COMMAND_CODEC(PendingReviews)
SDP_COMMAND_CODEC(DeclarationHistory)
SDP_COMMAND_CODEC(DeleteDeclaration)
SDP_COMMAND_CODEC(DeclarationDiff)
SDP_COMMAND_CODEC(MarkManyRead)
SDP_COMMAND_CODEC(Statistics)
SDP_COMMAND_CODEC(Inbox)
SDP_COMMAND_CODEC(MarkRead)
SDP_COMMAND_CODEC(GetWebhook)
SDP_COMMAND_CODEC(SetWebhook)
SDP_COMMAND_CODEC(DeadDeliveries)
SDP_COMMAND_CODEC(ReplayDeliveries)
SDP_COMMAND_CODEC(PreviewScore)
SDP_COMMAND_CODEC(CreateExpert)
SDP_COMMAND_CODEC(ListExperts)
SDP_COMMAND_CODEC(AssignPanel)
SDP_COMMAND_CODEC(GetPanel)
SDP_COMMAND_CODEC(PanelCandidates)
SDP_COMMAND_CODEC(SubmitExpertReview)
SDP_COMMAND_CODEC(AssignedReviews)
SDP_COMMAND_CODEC(PublicNotices)
SDP_COMMAND_CODEC(FileObjection)
SDP_COMMAND_CODEC(ListObjections)
SDP_COMMAND_CODEC(ResolveObjection)
SDP_COMMAND_CODEC(AddFile)
SDP_COMMAND_CODEC(ListFiles)
SDP_COMMAND_CODEC(DeleteFile)
SDP_COMMAND_CODEC(FileAccess)
SDP_COMMAND_CODEC(NamedBlobs)
SDP_COMMAND_CODEC(DeclarationDocument)
SDP_COMMAND_CODEC(VerifyDocument)
#undef SDP_COMMAND_CODEC

// ---- messages ----
// The command as its message text.
template <class C>
std::string encode_request(const C& command) {
  return to_json(command).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A message's command: strict JSON (sdp::parse_json), then the structural decode.
Result<nlohmann::json> parse_message(std::string_view text);
template <class C>
Result<C> decode_request(std::string_view text) {
  auto j = parse_message(text);
  if (!j) return refuse(std::move(j.error()));
  return from_json(*j, Tag<C>{});
}

// {"ok": …} or {"problem": …}.
std::string encode_reply_json(const Result<nlohmann::json>& reply);
template <class R>
std::string encode_reply(const Result<R>& reply) {
  if (!reply) return encode_reply_json(refuse(reply.error()));
  return encode_reply_json(to_json(*reply));
}

// A service's reply; one that cannot be read is `unavailable`, naming `service`.
Result<nlohmann::json> decode_reply_json(std::string_view text, std::string_view service);
template <class R>
Result<R> decode_reply(std::string_view text, std::string_view service) {
  auto j = decode_reply_json(text, service);
  if (!j) return refuse(std::move(j.error()));
  auto r = from_json(*j, Tag<R>{});
  if (!r)
    return refuse(Problem::unavailable(
        {"bad reply from " + std::string(service), "服务 " + std::string(service) + " 的应答有误"}));
  return r;
}

// A Serialized reply: "S" and {"id", "version"} on the first line, the JSON text after it.
template <>
std::string encode_reply<Serialized>(const Result<Serialized>& reply);
// Also reads the {"ok": …} of a service that sends the document as JSON (an older replica).
template <>
Result<Serialized> decode_reply<Serialized>(std::string_view text, std::string_view service);

}  // namespace sdp::cmd
