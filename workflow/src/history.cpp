#include "history.hpp"

#include "sdp/crypto.hpp"

namespace sdp::workflow {

std::string canonical(const nlohmann::json& entry) {
  // nlohmann::json keeps object keys sorted at every depth and arrays in order, so dump() is canonical
  // (the console's canonical() in web/src/components/History.jsx sorts the same way).
  return entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

std::string entry_hash(const std::string& prev_hash, const nlohmann::json& entry) {
  return crypto::sha256_hex(prev_hash + canonical(entry));
}

nlohmann::json make_entry(int seq, const std::string& at, const nlohmann::json& actor, const std::string& action,
                          const std::string& from, const std::string& to, const std::string& comment,
                          const std::string& prev_hash, const nlohmann::json& extra) {
  nlohmann::json e = {{"seq", seq},   {"at", at}, {"actor", actor},     {"action", action},
                      {"from", from}, {"to", to}, {"comment", comment}, {"prev_hash", prev_hash}};
  for (const auto& [key, value] : extra.items()) e[key] = value;
  if (from.empty()) e["from"] = nullptr;  // the first entry comes from no state (CONTRACT §3: null, not "")
  e["hash"] = entry_hash(prev_hash, e);
  return e;
}

int first_broken_link(const std::vector<nlohmann::json>& entries) {
  std::string prev = kGenesisHash;
  for (const auto& e : entries) {
    auto body = e;
    body.erase("hash");
    int seq = e.value("seq", -1);
    if (e.value("prev_hash", "") != prev || entry_hash(prev, body) != e.value("hash", "")) return seq;
    prev = e["hash"].get<std::string>();
  }
  return -1;
}

}  // namespace sdp::workflow
