#include "files.hpp"

#include <set>

#include "declarations.hpp"
#include "sdp/crypto.hpp"
#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kNoSuchFile{"No such file", "文件不存在"};
constexpr const char* kFileColumns =
    "f.id, f.declaration_id, f.item, f.name, f.media_type, f.size, f.sha256, f.uploaded_at";

json file_json(const db::Result& r) {
  return {{"id", r.str("id")},
          {"item", r.str("item")},
          {"name", r.str("name")},
          {"media_type", r.str("media_type")},
          {"size", r.i64("size")},
          {"sha256", r.str("sha256")},
          {"uploaded_at", api_time(r.str("uploaded_at"))}};
}

json files_of(db::Result rows) {
  json items = json::array();
  while (rows.next()) items.push_back(file_json(rows));
  return items;
}

// The files a submission froze, by id: {id, item, name}.
std::map<std::string, json> submitted_files(db::Connection& c, const std::string& id, int64_t version) {
  std::map<std::string, json> out;
  for (auto r = c.query(std::string("SELECT ") + kFileColumns +
                            " FROM declaration_submission_files s JOIN declaration_files f ON f.id = s.file_id "
                            "WHERE s.declaration_id = ? AND s.version = ?",
                        {id, version});
       r.next();)
    out[r.str("id")] = {{"id", r.str("id")}, {"item", r.str("item")}, {"name", r.str("name")}};
  return out;
}

}  // namespace

std::optional<Problem> files_refusal(const Row& row, const Standing& standing) {
  if (!shown(standing, row)) return Problem::not_found(kNoSuchDeclaration);
  if (standing.role != Role::applicant)
    return Problem::forbidden({"Only the applicant may add or remove evidence", "只有申报单位可以上传或删除佐证材料"});
  if (row.state != State::draft && row.state != State::returned)
    return Problem{
        ProblemKind::conflict,
        {"Evidence can change only in a draft or a returned declaration", "只有草稿或被退回的申报可以修改佐证材料"},
        {"it is " + std::string(name(row.state)),
         "该申报当前状态为" + std::string(zh_name(row.state)) + "，已提交的材料不能再改"},
        {}};
  return std::nullopt;
}

bool is_file_item(Kind kind, const std::string& item, const scoring::Scorer& scorer) {
  if (item == kWholeDeclarationItem) return true;
  return kind == Kind::morning_star ? scorer.morning_star_catalog().find(item) != nullptr
                                    : scorer.industry_brain_catalog().find(item) != nullptr;
}

std::optional<Problem> file_limits_refusal(int64_t listed, int64_t total, const cmd::AddFile& command) {
  if (listed + 1 > command.max_count)
    return Problem{ProblemKind::rule,
                   {"Too many files", "文件数量超过上限"},
                   {"a declaration lists at most " + std::to_string(command.max_count) + " files",
                    "每份申报最多上传 " + std::to_string(command.max_count) + " 个文件，请先删除不需要的文件"},
                   {}};
  if (total + command.size > command.max_total) {
    const auto mib = std::to_string(command.max_total / (1024 * 1024));
    return Problem{ProblemKind::rule,
                   {"The declaration's files are too large together", "佐证材料总大小超过上限"},
                   {"a declaration's files hold at most " + mib + " MiB together",
                    "每份申报的佐证材料合计不能超过 " + mib + " MiB，请先删除不需要的文件"},
                   {}};
  }
  return std::nullopt;
}

std::optional<json> freeze_files(db::Connection& c, const std::string& id, int64_t version,
                                 std::optional<int64_t> previous) {
  const auto before = previous ? submitted_files(c, id, *previous) : std::map<std::string, json>{};
  const auto frozen = c.execute(
      "INSERT INTO declaration_submission_files (declaration_id, version, file_id) "
      "SELECT declaration_id, ?, id FROM declaration_files WHERE declaration_id = ? AND removed_at IS NULL",
      {version, id});
  const auto after = frozen > 0 ? submitted_files(c, id, version) : std::map<std::string, json>{};
  json added = json::array(), removed = json::array();
  for (const auto& [file, entry] : after)
    if (!before.contains(file)) added.push_back(entry);
  for (const auto& [file, entry] : before)
    if (!after.contains(file)) removed.push_back(entry);
  if (added.empty() && removed.empty()) return std::nullopt;
  return json{{"added", std::move(added)}, {"removed", std::move(removed)}};
}

Result<cmd::Document> Workflow::add_file(const cmd::AddFile& command) {
  return db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Document> {
    auto row = lock_row(c, command.id);  // serialised with a submit of the same declaration
    if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
    if (auto p = files_refusal(*row, standing(command.actor, regions_, *row))) return refuse(std::move(*p));
    if (!is_file_item(row->kind, command.item, scorer_))
      return refuse(Problem::invalid("/query/item",
                                     {"'" + command.item + "' is no item of this programme, nor 'declaration'",
                                      command.item + " 不是本类申报的指标编号（整份申报的材料请用 declaration）"}));
    // The same bytes again for the same item: the file already listed, not a second listing.
    if (auto same = c.query(std::string("SELECT ") + kFileColumns +
                                " FROM declaration_files f WHERE f.declaration_id = ? AND f.item = ? AND f.sha256 = ? "
                                "AND f.removed_at IS NULL LIMIT 1",
                            {row->id, command.item, command.sha256});
        same.next())
      return cmd::Document{{{"file", file_json(same)}, {"created", false}}};
    auto counted = c.query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS total FROM declaration_files "
        "WHERE declaration_id = ? AND removed_at IS NULL",
        {row->id});
    counted.next();
    if (auto p = file_limits_refusal(counted.i64("n"), counted.i64("total"), command)) return refuse(std::move(*p));
    const auto file_id = crypto::uuid_v7();
    c.execute(
        "INSERT INTO declaration_files (id, declaration_id, item, name, media_type, size, sha256, uploaded_at, "
        "uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {file_id, row->id, command.item, command.name, command.media_type, command.size, command.sha256, db_time(now()),
         command.actor.sub});
    auto added = c.query(std::string("SELECT ") + kFileColumns + " FROM declaration_files f WHERE f.id = ?", {file_id});
    added.next();
    return cmd::Document{{{"file", file_json(added)}, {"created", true}}};
  });
}

Result<cmd::Document> Workflow::list_files(const cmd::ListFiles& command) {
  auto lease = pool_.acquire();
  auto d = shown_row(*lease, command.actor, regions_, command.id);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  // The applicant sees the list it edits; reviewers and admins the one last submitted (CONTRACT §2).
  if (command.actor.role == Role::applicant)
    return cmd::Document{{{"items", files_of(lease->query(std::string("SELECT ") + kFileColumns +
                                                              " FROM declaration_files f WHERE f.declaration_id = ? "
                                                              "AND f.removed_at IS NULL ORDER BY f.uploaded_at, f.id",
                                                          {d->id}))}}};
  return cmd::Document{
      {{"items", files_of(lease->query(std::string("SELECT ") + kFileColumns +
                                           " FROM declarations d JOIN declaration_submission_files s ON "
                                           "s.declaration_id = d.id AND s.version = d.submitted_files_version "
                                           "JOIN declaration_files f ON f.id = s.file_id WHERE d.id = ? "
                                           "ORDER BY f.uploaded_at, f.id",
                                       {d->id}))}}};
}

Result<cmd::Empty> Workflow::delete_file(const cmd::DeleteFile& command) {
  return db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Empty> {
    auto row = lock_row(c, command.id);
    if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
    if (auto p = files_refusal(*row, standing(command.actor, regions_, *row))) return refuse(std::move(*p));
    auto listed = c.query("SELECT id FROM declaration_files WHERE id = ? AND declaration_id = ? AND removed_at IS NULL",
                          {command.file_id, row->id});
    if (!listed.next()) return refuse(Problem::not_found(kNoSuchFile));
    // A file a submission froze stays in it; one never submitted goes (its bytes, once no file names them, too).
    auto frozen = c.query("SELECT 1 FROM declaration_submission_files WHERE file_id = ? LIMIT 1", {command.file_id});
    if (frozen.next())
      c.execute("UPDATE declaration_files SET removed_at = ? WHERE id = ?", {db_time(now()), command.file_id});
    else
      c.execute("DELETE FROM declaration_files WHERE id = ?", {command.file_id});
    return cmd::Empty{};
  });
}

Result<cmd::Document> Workflow::file_access(const cmd::FileAccess& command) {
  auto lease = pool_.acquire();
  auto f = lease->query(std::string("SELECT ") + kFileColumns + " FROM declaration_files f WHERE f.id = ?",
                        {command.file_id});
  if (!f.next()) return refuse(Problem::not_found(kNoSuchFile));
  const auto declaration = f.str("declaration_id");
  auto out = file_json(f);
  out["declaration"] = declaration;
  auto d = shown_row(*lease, command.actor, regions_, declaration);
  if (!d) return refuse(Problem::not_found(kNoSuchFile));
  // Its applicant reads any of its files (listed now or frozen in a submission); others only those
  // of the submission they see.
  if (command.actor.role != Role::applicant) {
    auto seen = lease->query(
        "SELECT 1 FROM declaration_submission_files s JOIN declarations d ON d.id = s.declaration_id AND "
        "s.version = d.submitted_files_version WHERE s.file_id = ? LIMIT 1",
        {command.file_id});
    if (!seen.next()) return refuse(Problem::not_found(kNoSuchFile));
  }
  return cmd::Document{std::move(out)};
}

Result<cmd::Document> Workflow::named_blobs(const cmd::NamedBlobs& command) {
  if (command.actor.role != Role::system) return refuse(Problem::forbidden({"For the system only", "仅供系统调用"}));
  json named = json::array();
  if (command.sha256s.empty()) return cmd::Document{{{"named", named}}};
  std::string marks;
  std::vector<db::Param> params;
  for (const auto& s : command.sha256s) {
    marks += marks.empty() ? "?" : ", ?";
    params.emplace_back(s);
  }
  auto lease = pool_.acquire();
  for (auto r = lease->query("SELECT DISTINCT sha256 FROM declaration_files WHERE sha256 IN (" + marks + ")", params);
       r.next();)
    named.push_back(r.str("sha256"));
  return cmd::Document{{{"named", named}}};
}

}  // namespace sdp::workflow
