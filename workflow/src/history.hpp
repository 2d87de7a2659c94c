#pragma once
// The audit trail's hash chain (CONTRACT §3): each entry's hash is SHA-256 over the previous
// entry's hash and the entry's canonical JSON, so editing any past entry breaks every later link.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sdp::workflow {

inline const std::string kGenesisHash(64, '0');

// {seq, at, actor, action, from, to, comment, prev_hash, changes?} with keys sorted (at every depth), compact: the
// hashed form.
std::string canonical(const nlohmann::json& entry_without_hash);
std::string entry_hash(const std::string& prev_hash, const nlohmann::json& entry_without_hash);

// A new entry, linked to `prev_hash`, with its hash set; an empty `from` (the first entry) is null.
// `extra` adds members to the hashed entry (a save's or resubmission's `changes`); entries written
// before it existed lack them and verify as they are.
nlohmann::json make_entry(int seq, const std::string& at, const nlohmann::json& actor, const std::string& action,
                          const std::string& from, const std::string& to, const std::string& comment,
                          const std::string& prev_hash, const nlohmann::json& extra = nlohmann::json::object());

// The first seq whose link or hash does not hold, or -1 when the whole chain verifies.
int first_broken_link(const std::vector<nlohmann::json>& entries);

}  // namespace sdp::workflow
