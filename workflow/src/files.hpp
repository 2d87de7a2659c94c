#pragma once
// Evidence files' metadata (CONTRACT §7): the rules of who may list, add and remove them, pure,
// and what a submission freezes. The bytes are the gateway's; workflow says which files exist.

#include <optional>
#include <string>

#include "plan.hpp"
#include "sdp/db.hpp"

namespace sdp::workflow {

inline constexpr std::string_view kWholeDeclarationItem = "declaration";  // 申报书, 承诺书

// Whether `standing` may add or remove files of `row` now: its applicant, in draft or returned.
std::optional<Problem> files_refusal(const Row& row, const Standing& standing);
// Whether `item` names an item of the programme (a criterion or an indicator) or the whole declaration.
bool is_file_item(Kind kind, const std::string& item, const scoring::Scorer& scorer);
// The refusal of a file that would pass a declaration's limits: `listed` files of `total` bytes now.
std::optional<Problem> file_limits_refusal(int64_t listed, int64_t total, const cmd::AddFile& command);

// In a submit's transaction: freezes the files listed now under declaration version `version`
// (reviewers see them from now on; the caller sets declarations.submitted_files_version) and says
// which files it added and removed since the submission that froze `previous`, as the history
// entry's {"added": […], "removed": […]}; none when nothing changed.
std::optional<nlohmann::json> freeze_files(db::Connection& c, const std::string& declaration_id, int64_t version,
                                           std::optional<int64_t> previous);

}  // namespace sdp::workflow
