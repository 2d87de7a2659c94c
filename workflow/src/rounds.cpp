#include "rounds.hpp"

#include "declarations.hpp"
#include "quota.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/time.hpp"
#include "store.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

constexpr const char* kRoundColumns =
    "id, kind, year, title, opens_at, closes_at, review_working_days, quotas, publicity_working_days, "
    "validity_years, version, created_at, updated_at";

const Text kNoSuchRound{"No such round", "申报批次不存在"};

Clock::time_point time_of(const std::string& db_text, const char* column) {
  auto t = time_of_db(db_text);
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

// Each city's places in the round, by city.
std::map<std::string, int> used_places(db::Connection& c, const std::string& round) {
  std::map<std::string, int> out;
  for (auto r = c.query(std::string("SELECT city, COUNT(*) AS n FROM declarations WHERE round_id = ? AND state IN ") +
                            kRecommendedStatesSql + " GROUP BY city",
                        {round});
       r.next();)
    out[r.str("city")] = static_cast<int>(r.i64("n"));
  return out;
}

// The counts of each round (CONTRACT §6), two grouped queries on idx_declarations_round_city:
// {declared, submitted, cities: {"<city>": {recommended, quota}}}; quota null when the round sets none.
std::map<std::string, json> counts_of(db::Connection& c, const std::vector<RoundRow>& rounds) {
  std::map<std::string, json> out;
  if (rounds.empty()) return out;
  std::string in = "(";
  std::vector<db::Param> ids;
  for (const auto& r : rounds) {
    in += ids.empty() ? "?" : ", ?";
    ids.emplace_back(r.id);
    json cities = json::object();
    for (const auto& [city, n] : r.quotas) cities[city] = {{"recommended", 0}, {"quota", n}};
    out[r.id] = {{"declared", 0}, {"submitted", 0}, {"cities", cities}};
  }
  in += ")";
  for (auto q =
           c.query("SELECT round_id, COUNT(*) AS declared, COUNT(submitted_version) AS submitted FROM declarations "
                   "WHERE round_id IN " +
                       in + " GROUP BY round_id",
                   ids);
       q.next();)
    out[q.str("round_id")].update({{"declared", q.i64("declared")}, {"submitted", q.i64("submitted")}});
  for (auto q = c.query("SELECT round_id, city, COUNT(*) AS n FROM declarations WHERE round_id IN " + in +
                            " AND state IN " + kRecommendedStatesSql + " GROUP BY round_id, city",
                        ids);
       q.next();) {
    auto& city = out[q.str("round_id")]["cities"][q.str("city")];
    if (!city.contains("quota")) city["quota"] = nullptr;
    city["recommended"] = q.i64("n");
  }
  for (const auto& r : rounds)  // a city recommending in a round with quotas but none of its own has 0 places
    for (auto& [code, city] : out[r.id]["cities"].items())
      if (city["quota"].is_null() && !r.quotas.empty()) city["quota"] = 0;
  return out;
}

// Who reads a city's recommendations: its own city reviewers, the province, the admin.
std::optional<Problem> may_read_recommendations(const Actor& actor, const std::string& city) {
  if (actor.role == Role::admin) return std::nullopt;
  if (actor.role != Role::reviewer || !actor.tier || *actor.tier == Tier::county)
    return Problem::forbidden({"A city's recommendations are for its reviewers, the province and the admin",
                               "本市推荐名单仅供本市、省级审核人员和管理员查看"});
  if (*actor.tier == Tier::city && actor.region != city)
    return Problem::not_found({"No such recommendations", "推荐名单不存在"});
  return std::nullopt;
}

// The city's recommendations in the round, in its order, as the province reviews them (the content last submitted).
json recommendation_items(db::Connection& c, const std::string& round, const std::string& city) {
  json items = json::array();
  for (auto r =
           c.query(std::string("SELECT d.id, d.number, d.kind, d.org_name, v.title, d.state, "
                               "d.recommendation_rank, d.submitted_score, v.payload FROM declarations d "
                               "JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = "
                               "d.submitted_version WHERE d.round_id = ? AND d.city = ? AND d.state IN ") +
                       kRecommendedStatesSql + " ORDER BY d.recommendation_rank IS NULL, d.recommendation_rank, d.id",
                   {round, city});
       r.next();) {
    const auto score = r.is_null("submitted_score") ? json() : json::parse(r.str("submitted_score"));
    const auto payload = json::parse(r.str("payload"));
    auto value = [](const json& j, const char* key) { return j.is_object() && j.contains(key) ? j[key] : json(); };
    items.push_back(
        {{"id", r.str("id")},
         {"number", r.str("number")},
         {"kind", r.str("kind")},
         {"org_name", r.is_null("org_name") ? json() : json(r.str("org_name"))},
         {"title", r.str("title")},
         {"state", r.str("state")},
         {"recommendation_rank", r.is_null("recommendation_rank") ? json() : json(r.i64("recommendation_rank"))},
         {"claimed_level", value(payload, "claimed_level")},
         {"verified_level", value(score, "verified_level")},
         {"total", value(score, "total")}});
  }
  return items;
}

}  // namespace

std::optional<RoundRow> load_round(db::Connection& c, const std::string& id, bool for_update) {
  auto r = c.query(
      std::string("SELECT ") + kRoundColumns + " FROM rounds WHERE id = ?" + (for_update ? " FOR UPDATE" : ""), {id});
  if (!r.next()) return std::nullopt;
  return read_round(r);
}

Result<cmd::Round> Workflow::create_round(const cmd::CreateRound& command) {
  const auto at = now();
  // The round this request created already (a re-run after its gateway died), as it is now.
  auto created_before = [&](db::Connection& c) -> std::optional<cmd::Round> {
    if (!command.request_key) return std::nullopt;
    auto id = created_under(c, "rounds", "id", *command.request_key, at);
    if (!id) return std::nullopt;
    auto round = load_round(c, *id);
    if (!round) return std::nullopt;
    return round_reply(c, *round);
  };
  auto lease = pool_.acquire();
  if (auto before = created_before(*lease)) return std::move(*before);
  auto planned = plan_create_round(command, regions_);
  if (!planned) return refuse(std::move(planned.error()));
  RoundRow r = std::move(*planned);
  r.id = crypto::uuid_v7();
  r.created_at = r.updated_at = db_time(at);
  try {
    lease->execute(
        "INSERT INTO rounds (id, kind, year, title, opens_at, closes_at, review_working_days, quotas, "
        "publicity_working_days, validity_years, version, created_at, updated_at, request_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {r.id, name(r.kind), r.year, r.title, db_time(r.opens_at), db_time(r.closes_at),
         days_json(r.review_working_days), quotas_json(r.quotas), r.publicity_working_days, r.validity_years, r.version,
         r.created_at, r.updated_at, command.request_key});
  } catch (const std::exception& e) {
    // A twin under the same request key committed first: its round is this request's too.
    if (!command.request_key || !db::is_duplicate_key(e)) throw;
    if (auto before = created_before(*lease)) return std::move(*before);
    throw;
  }
  return round_reply(*lease, r);
}

cmd::Round Workflow::round_reply(db::Connection& c, const RoundRow& r) const {
  auto body = r.to_json(now());
  body["counts"] = counts_of(c, {r})[r.id];
  return {r.id, r.version, std::move(body)};
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
  std::vector<RoundRow> rounds;
  // Newest first; a few rounds a year per programme, so no paging.
  for (auto r = lease->query(std::string("SELECT ") + kRoundColumns + " FROM rounds" + where +
                                 " ORDER BY opens_at DESC, id DESC LIMIT 500",
                             params);
       r.next();)
    rounds.push_back(read_round(r));
  auto counts = counts_of(*lease, rounds);
  json items = json::array();
  for (const auto& r : rounds) {
    items.push_back(r.to_json(at_now));
    items.back()["counts"] = counts[r.id];
  }
  return cmd::Document{{{"items", items}}};
}

Result<cmd::Round> Workflow::get_round(const cmd::GetRound& command) {
  auto lease = pool_.acquire();
  auto r = load_round(*lease, command.id);
  if (!r) return refuse(Problem::not_found(kNoSuchRound));
  return round_reply(*lease, *r);
}

Result<cmd::Round> Workflow::update_round(const cmd::UpdateRound& command) {
  return db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Round> {
    auto round = load_round(c, command.id, true);
    if (!round) return refuse(Problem::not_found(kNoSuchRound));
    // Under the round's lock no place is taken meanwhile, so the places counted are those to keep.
    auto planned = plan_update_round(*round, command, regions_,
                                     command.quotas ? used_places(c, round->id) : std::map<std::string, int>{});
    if (!planned) return refuse(std::move(planned.error()));
    RoundRow r = std::move(*planned);
    r.updated_at = db_time(now());
    c.execute(
        "UPDATE rounds SET title = ?, opens_at = ?, closes_at = ?, review_working_days = ?, quotas = ?, "
        "publicity_working_days = ?, validity_years = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
        {r.title, db_time(r.opens_at), db_time(r.closes_at), days_json(r.review_working_days), quotas_json(r.quotas),
         r.publicity_working_days, r.validity_years, r.version, r.updated_at, r.id, round->version});
    return round_reply(c, r);
  });
}

Result<cmd::Document> Workflow::get_recommendations(const cmd::GetRecommendations& command) {
  if (auto p = may_read_recommendations(command.actor, command.city)) return refuse(std::move(*p));
  if (!regions_.is_city(command.city)) return refuse(Problem::not_found({"No such city", "没有这个市"}));
  auto lease = pool_.acquire();
  auto round = load_round(*lease, command.id);
  if (!round) return refuse(Problem::not_found(kNoSuchRound));
  return recommendations_reply(*lease, *round, command.city);
}

Result<cmd::Document> Workflow::rank_recommendations(const cmd::RankRecommendations& command) {
  const Actor& a = command.actor;
  if (a.role != Role::reviewer || a.tier != Tier::city)
    return refuse(
        Problem::forbidden({"Only the city's reviewers rank its recommendations", "只有本市审核人员可以排序推荐"}));
  if (a.region != command.city || !regions_.is_city(command.city))
    return refuse(Problem::not_found({"No such recommendations", "推荐名单不存在"}));
  return db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Document> {
    // The round's lock first, as every change of places takes it: the list cannot change under the ranking.
    auto round = load_round(c, command.id, true);
    if (!round) return refuse(Problem::not_found(kNoSuchRound));
    std::vector<std::string> current;
    for (const auto& item : recommendation_items(c, round->id, command.city)) current.push_back(item["id"]);
    if (auto p = ranking_refusal(command.ids, current)) return refuse(std::move(*p));
    for (size_t i = 0; i < command.ids.size(); ++i)
      c.execute("UPDATE declarations SET recommendation_rank = ? WHERE id = ?",
                {static_cast<int64_t>(i + 1), command.ids[i]});
    return recommendations_reply(c, *round, command.city);
  });
}

cmd::Document Workflow::recommendations_reply(db::Connection& c, const RoundRow& round, const std::string& city) const {
  auto items = recommendation_items(c, round.id, city);
  const auto quota = round.quotas.find(city);
  return cmd::Document{
      {{"round", round.id},
       {"city", city},
       {"city_name", regions_.name_of(city)},
       {"quota", round.quotas.empty() ? json() : json(quota == round.quotas.end() ? 0 : quota->second)},
       {"used", items.size()},
       {"items", std::move(items)}}};
}

}  // namespace sdp::workflow
