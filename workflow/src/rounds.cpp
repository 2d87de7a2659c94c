#include "rounds.hpp"

#include "declarations.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

constexpr const char* kRoundColumns =
    "id, kind, year, title, opens_at, closes_at, review_working_days, quotas, publicity_working_days, "
    "validity_years, version, created_at, updated_at";

const Text kNoSuchRound{"No such round", "申报批次不存在"};

Clock::time_point time_of(const std::string& db_text, const char* column) {
  auto rfc = rfc3339_of_db_time(db_text);
  auto t = rfc ? parse_rfc3339(*rfc) : std::nullopt;
  if (!t) throw Error(ErrorSource::database, std::string("rounds.") + column + " holds no time");
  return *t;
}

RoundRow read_round(const db::Result& r) {
  RoundRow d;
  d.id = r.str("id");
  auto kind = parse_kind(r.str("kind"));
  if (!kind) throw Error(ErrorSource::database, "rounds.kind holds an unknown name");
  d.kind = *kind;
  d.year = static_cast<int>(r.i64("year"));
  d.title = r.str("title");
  d.opens_at = time_of(r.str("opens_at"), "opens_at");
  d.closes_at = time_of(r.str("closes_at"), "closes_at");
  auto days = json::parse(r.str("review_working_days"));
  d.review_working_days = {days.value("county", 5), days.value("city", 10), days.value("province", 15)};
  const auto quotas = json::parse(r.str("quotas"));  // named: items() of a temporary would dangle
  for (const auto& [city, n] : quotas.items()) d.quotas[city] = n.get<int>();
  d.publicity_working_days = static_cast<int>(r.i64("publicity_working_days"));
  d.validity_years = static_cast<int>(r.i64("validity_years"));
  d.version = r.i64("version");
  d.created_at = r.str("created_at");
  d.updated_at = r.str("updated_at");
  return d;
}

std::string days_json(const cmd::ReviewDays& d) {
  return json{{"county", d.county}, {"city", d.city}, {"province", d.province}}.dump();
}

std::string quotas_json(const std::map<std::string, int>& quotas) {
  json q = json::object();
  for (const auto& [city, n] : quotas) q[city] = n;
  return q.dump();
}

// Its state as of workflow's clock.
cmd::Round reply(const RoundRow& r, Clock::time_point now) { return {r.id, r.version, r.to_json(now)}; }

}  // namespace

std::optional<RoundRow> load_round(db::Connection& c, const std::string& id, bool for_update) {
  auto r = c.query(
      std::string("SELECT ") + kRoundColumns + " FROM rounds WHERE id = ?" + (for_update ? " FOR UPDATE" : ""), {id});
  if (!r.next()) return std::nullopt;
  return read_round(r);
}

Result<cmd::Round> Workflow::create_round(const cmd::CreateRound& command) {
  auto planned = plan_create_round(command, regions_);
  if (!planned) return refuse(std::move(planned.error()));
  RoundRow r = std::move(*planned);
  r.id = crypto::uuid_v7();
  r.created_at = r.updated_at = db_time(now());
  auto lease = pool_.acquire();
  lease->execute(
      "INSERT INTO rounds (id, kind, year, title, opens_at, closes_at, review_working_days, quotas, "
      "publicity_working_days, validity_years, version, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {r.id, name(r.kind), r.year, r.title, db_time(r.opens_at), db_time(r.closes_at), days_json(r.review_working_days),
       quotas_json(r.quotas), r.publicity_working_days, r.validity_years, r.version, r.created_at, r.updated_at});
  return reply(r, now());
}

Result<cmd::Document> Workflow::list_rounds(const cmd::ListRounds& command) {
  if (command.actor.role == Role::system) return refuse(Problem::forbidden({"Not for the system", "不供系统调用"}));
  std::string where = " WHERE 1 = 1";
  std::vector<db::Param> params;
  if (command.kind) {
    where += " AND kind = ?";
    params.emplace_back(name(*command.kind));
  }
  const auto at_now = now();
  const std::string at = db_time(at_now);
  if (command.state == cmd::RoundState::scheduled) {
    where += " AND opens_at > ?";
    params.emplace_back(at);
  } else if (command.state == cmd::RoundState::open) {
    where += " AND opens_at <= ? AND closes_at > ?";
    params.insert(params.end(), {at, at});
  } else if (command.state == cmd::RoundState::closed) {
    where += " AND closes_at <= ?";
    params.emplace_back(at);
  }
  auto lease = pool_.acquire();
  json items = json::array();
  // Newest first; a few rounds a year per programme, so no paging.
  for (auto r = lease->query(std::string("SELECT ") + kRoundColumns + " FROM rounds" + where +
                                 " ORDER BY opens_at DESC, id DESC LIMIT 500",
                             params);
       r.next();)
    items.push_back(read_round(r).to_json(at_now));
  return cmd::Document{{{"items", items}}};
}

Result<cmd::Round> Workflow::get_round(const cmd::GetRound& command) {
  auto lease = pool_.acquire();
  auto r = load_round(*lease, command.id);
  if (!r) return refuse(Problem::not_found(kNoSuchRound));
  return reply(*r, now());
}

Result<cmd::Round> Workflow::update_round(const cmd::UpdateRound& command) {
  return db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Round> {
    auto round = load_round(c, command.id, true);
    if (!round) return refuse(Problem::not_found(kNoSuchRound));
    auto planned = plan_update_round(*round, command, regions_);
    if (!planned) return refuse(std::move(planned.error()));
    RoundRow r = std::move(*planned);
    r.updated_at = db_time(now());
    c.execute(
        "UPDATE rounds SET title = ?, opens_at = ?, closes_at = ?, review_working_days = ?, quotas = ?, "
        "publicity_working_days = ?, validity_years = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
        {r.title, db_time(r.opens_at), db_time(r.closes_at), days_json(r.review_working_days), quotas_json(r.quotas),
         r.publicity_working_days, r.validity_years, r.version, r.updated_at, r.id, round->version});
    return reply(r, now());
  });
}

}  // namespace sdp::workflow
