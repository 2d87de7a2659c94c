// The 申报书 of a content version and its verification (CONTRACT §9): what the gateway prints,
// read as the caller may see it, and the codes printed on it.

#include "declarations.hpp"
#include "document.hpp"
#include "sdp/time.hpp"
#include "store.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kNoSuchVersion{"No such version", "该版本不存在或不可查看"};
const Text kNoSuchCode{"No document has this verification code", "没有使用该验证码的申报书，请核对验证码"};

struct Version {
  int64_t version = 0;
  bool submitted = false;
};

std::vector<Version> content_versions(db::Connection& c, const std::string& id) {
  std::vector<Version> out;
  for (auto r = c.query("SELECT version, submitted FROM declaration_versions WHERE declaration_id = ? ORDER BY version",
                        {id});
       r.next();)
    out.push_back({r.i64("version"), r.i64("submitted") != 0});
  return out;
}

json file_entry(const db::Result& r) {
  return {{"id", r.str("id")},     {"item", r.str("item")},
          {"name", r.str("name")}, {"media_type", r.str("media_type")},
          {"size", r.i64("size")}, {"sha256", r.str("sha256")}};
}

// The files of a version, in the form's order (by item, then as uploaded): the set frozen by its
// last submission, or, for the applicant's newest draft, the files listed now.
json version_files(db::Connection& c, const std::string& id, std::optional<int64_t> frozen_at) {
  static const std::string columns = "SELECT f.id, f.item, f.name, f.media_type, f.size, f.sha256 ";
  auto rows = frozen_at
                  ? c.query(columns +
                                "FROM declaration_submission_files s JOIN declaration_files f ON f.id = s.file_id "
                                "WHERE s.declaration_id = ? AND s.version = ? ORDER BY f.item, f.uploaded_at, f.id",
                            {id, *frozen_at})
                  : c.query(columns +
                                "FROM declaration_files f WHERE f.declaration_id = ? AND f.removed_at IS NULL "
                                "ORDER BY f.item, f.uploaded_at, f.id",
                            {id});
  json files = json::array();
  while (rows.next()) files.push_back(file_entry(rows));
  return files;
}

}  // namespace

Result<cmd::Document> Workflow::document(const cmd::DeclarationDocument& command) {
  auto lease = pool_.acquire();
  auto& c = *lease;
  auto d = load_shown(c, command.actor, regions_, command.id);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  const bool owner = command.actor.role == Role::applicant;  // shown, so its own
  const auto versions = content_versions(c, d->id);
  if (versions.empty()) return refuse(Problem::not_found(kNoSuchVersion));
  // Asked for a version: the content version in force at it, as the diff reads it. None: the one
  // last submitted, or the applicant's newest draft before any submission.
  std::optional<Version> chosen;
  if (command.version) {
    for (const auto& v : versions)
      if (v.version <= *command.version) chosen = v;
  } else if (d->submitted_version) {
    for (const auto& v : versions)
      if (v.version == *d->submitted_version) chosen = v;
  } else {
    chosen = versions.back();
  }
  if (!chosen || (command.version && *command.version > d->version)) return refuse(Problem::not_found(kNoSuchVersion));
  // Reviewers see submitted versions only (CONTRACT §2). An older draft never submitted is not
  // printed either: which files it listed then is not on record.
  if (!chosen->submitted && (!owner || chosen->version != versions.back().version))
    return refuse(Problem::not_found(kNoSuchVersion));

  auto v = c.query(
      "SELECT title, org_name, contact, payload, created_at, submitted_at, files_version FROM declaration_versions "
      "WHERE declaration_id = ? AND version = ?",
      {d->id, chosen->version});
  if (!v.next()) return refuse(Problem::not_found(kNoSuchVersion));
  const auto org_name = v.opt_str("org_name") ? v.opt_str("org_name") : d->org_name;
  auto payload = json::parse(v.str("payload"));
  const auto frozen_at = v.is_null("files_version") ? std::nullopt : std::optional(v.i64("files_version"));
  auto files = chosen->submitted && !frozen_at ? json::array() : version_files(c, d->id, frozen_at);

  json round = nullptr;
  if (auto r = c.query("SELECT title, year FROM rounds WHERE id = ?", {d->round}); r.next())
    round = {{"id", d->round}, {"title", r.str("title")}, {"year", r.i64("year")}};
  // The score the content itself gives (the self-assessment): reviewers' verdicts come later and
  // would change a document that must stay the same for its version.
  auto scored = scorer_.compute(d->kind, payload, {});
  json score = scored ? scored->score : json(nullptr);

  json printed_files = json::array();
  for (const auto& f : files)
    printed_files.push_back({{"item", f["item"]}, {"name", f["name"]}, {"sha256", f["sha256"]}, {"size", f["size"]}});
  const auto contact = json::parse(v.str("contact"));
  const json content = {{"number", d->number},
                        {"kind", name(d->kind)},
                        {"version", chosen->version},
                        {"title", v.str("title")},
                        {"org_name", org_name ? json(*org_name) : json(nullptr)},
                        {"contact", contact},
                        {"payload", payload},
                        {"files", printed_files}};
  const auto digest = content_sha256(content);
  const auto code = document_code(d->id, chosen->version, digest);
  c.execute(
      "INSERT IGNORE INTO document_codes (code, declaration_id, version, content_sha256, created_at) "
      "VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))",
      {code, d->id, chosen->version, digest});

  return cmd::Document{{{"code", code},
                        {"content_sha256", digest},
                        {"declaration",
                         {{"id", d->id},
                          {"number", d->number},
                          {"kind", name(d->kind)},
                          {"org", d->org},
                          {"region", d->region},
                          {"region_name", regions_.name_of(d->region)},
                          {"city", d->city},
                          {"city_name", regions_.name_of(d->city)},
                          {"created_at", api_time(d->created_at)}}},
                        {"round", round},
                        {"version", chosen->version},
                        {"submitted", chosen->submitted},
                        {"saved_at", api_time(v.str("created_at"))},
                        {"submitted_at", chosen->submitted ? api_time(v.opt_str("submitted_at")) : json(nullptr)},
                        {"title", v.str("title")},
                        {"org_name", org_name ? json(*org_name) : json(nullptr)},
                        {"contact", contact},
                        {"payload", std::move(payload)},
                        {"files", std::move(files)},
                        {"score", std::move(score)}}};
}

Result<cmd::Document> Workflow::verify_document(const cmd::VerifyDocument& command) {
  auto lease = pool_.acquire();
  auto r = lease->query(
      "SELECT c.code, c.version, c.content_sha256, d.number, d.kind, d.submitted_version, v.title, "
      "COALESCE(v.org_name, d.org_name) AS org_name, v.submitted FROM document_codes c "
      "JOIN declarations d ON d.id = c.declaration_id "
      "JOIN declaration_versions v ON v.declaration_id = c.declaration_id AND v.version = c.version "
      "WHERE c.code = ?",
      {command.code});
  if (!r.next()) return refuse(Problem::not_found(kNoSuchCode));
  const auto version = r.i64("version");
  const auto org_name = r.opt_str("org_name");
  return cmd::Document{{{"code", r.str("code")},
                        {"number", r.str("number")},
                        {"kind", r.str("kind")},
                        {"version", version},
                        {"title", r.str("title")},
                        {"org_name", org_name ? json(*org_name) : json(nullptr)},
                        {"content_sha256", r.str("content_sha256")},
                        {"submitted", r.i64("submitted") != 0},
                        // Whether reviewers are looking at this version now (a later one supersedes it).
                        {"latest", !r.is_null("submitted_version") && r.i64("submitted_version") == version}}};
}

}  // namespace sdp::workflow
