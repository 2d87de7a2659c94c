// The command codec both sides of the bus use: every command survives its round trip, decoding
// reports what is wrong where the HTTP request would have it, and replies carry problems by kind.
#include <gtest/gtest.h>

#include <set>

#include "sdp/command_bus.hpp"
#include "sdp/commands.hpp"

using namespace sdp;
using namespace sdp::cmd;
using nlohmann::json;

namespace {

Actor applicant() { return {"u-1", Role::applicant, "91370102MA3C00000B", std::nullopt, ""}; }
Actor county() { return {"u-2", Role::reviewer, "", Tier::county, "370102"}; }

template <class C>
C round_trip(const C& c) {
  auto back = decode_request<C>(encode_request(c));
  EXPECT_TRUE(back.has_value()) << (back ? "" : back.error().to_json().dump());
  return back ? *back : C{};
}

}  // namespace

TEST(Commands, EveryCommandSurvivesItsRoundTrip) {
  CreateDeclaration create{applicant(),
                           Kind::industry_brain,
                           "r-1",
                           "370102",
                           "济南智能制造产业大脑申报",
                           "济南某集群运营公司",
                           {"王经理", "0531-88880000", "wang@example.cn"},
                           {{"cluster_name", "集群"}}};
  auto c = round_trip(create);
  EXPECT_EQ(c.actor, create.actor);
  EXPECT_EQ(c.kind, Kind::industry_brain);
  EXPECT_EQ(c.region, "370102");
  EXPECT_EQ(c.round, "r-1");
  EXPECT_EQ(c.org_name, "济南某集群运营公司");
  EXPECT_EQ(c.title, create.title);
  EXPECT_EQ(c.contact, create.contact);
  EXPECT_EQ(c.payload, create.payload);

  auto u = round_trip(UpdateDeclaration{applicant(), "d-1", 3, "标题", std::nullopt,
                                        Contact{"李", "12345678", std::nullopt}, json::object()});
  EXPECT_EQ(u.id, "d-1");
  EXPECT_EQ(u.expected_version, 3);
  ASSERT_TRUE(u.contact);
  EXPECT_FALSE(u.contact->email);
  // A draft's save may give the title alone: what it leaves out stays as it is.
  auto title_only =
      round_trip(UpdateDeclaration{applicant(), "d-1", 3, "标题", std::nullopt, std::nullopt, std::nullopt});
  EXPECT_FALSE(title_only.contact);
  EXPECT_FALSE(title_only.payload);

  auto d = round_trip(
      DecideDeclaration{county(), "d-1", 4, Decision::return_, "请补充", json{{"criteria", {{"MS01", false}}}}});
  EXPECT_EQ(d.actor, county());
  EXPECT_EQ(d.decision, Decision::return_);
  EXPECT_EQ(d.comment, "请补充");
  ASSERT_TRUE(d.verified);
  EXPECT_EQ((*d.verified)["criteria"]["MS01"], false);

  EXPECT_EQ(round_trip(SubmitDeclaration{applicant(), "d-1", std::nullopt}).expected_version, std::nullopt);
  EXPECT_EQ(round_trip(WithdrawDeclaration{applicant(), "d-1", 7}).expected_version, 7);

  PageCursor cursor{"2026-11-26 09:30:00.123456", "0190f5a2-0000-7000-8000-000000000001"};
  auto l = round_trip(ListDeclarations{applicant(), State::returned, Kind::morning_star, 5, cursor});
  EXPECT_EQ(l.state, State::returned);
  EXPECT_EQ(l.kind, Kind::morning_star);
  EXPECT_EQ(l.limit, 5);
  EXPECT_EQ(l.cursor, cursor);
  EXPECT_FALSE(l.valid_until_before);
  EXPECT_EQ(round_trip(ListDeclarations{county(), std::nullopt, std::nullopt, 20, std::nullopt, "2029-12-31"})
                .valid_until_before,
            "2029-12-31");
  EXPECT_EQ(round_trip(Statistics{county(), "r-1"}).round, "r-1");
  EXPECT_FALSE(round_trip(Statistics{county()}).round);
  auto g = round_trip(GetRecommendations{county(), "r-1", "370100"});
  EXPECT_EQ(g.id, "r-1");
  EXPECT_EQ(g.city, "370100");
  auto k = round_trip(RankRecommendations{county(), "r-1", "370100", {"d-2", "d-1"}});
  EXPECT_EQ(k.city, "370100");
  EXPECT_EQ(k.ids, (std::vector<std::string>{"d-2", "d-1"}));
  auto p = round_trip(PendingReviews{county(), std::nullopt, "370102", 20, std::nullopt});
  EXPECT_EQ(p.county, "370102");
  EXPECT_FALSE(p.cursor);
  EXPECT_EQ(p.sort, QueueSort::arrived_at);
  EXPECT_FALSE(p.overdue);
  PageCursor due{"9999-12-31 23:59:59.999999", "0190f5a2-0000-7000-8000-000000000001", "due_at"};
  p = round_trip(PendingReviews{county(), Kind::industry_brain, std::nullopt, 7, due, "msf-2026", cursor.id, true,
                                QueueSort::due_at});
  EXPECT_EQ(p.kind, Kind::industry_brain);
  EXPECT_EQ(p.cursor, due);
  EXPECT_EQ(p.q, "msf-2026");
  EXPECT_EQ(p.round, cursor.id);
  EXPECT_TRUE(p.overdue);
  EXPECT_EQ(p.sort, QueueSort::due_at);

  EXPECT_EQ(round_trip(Inbox{applicant(), 9, cursor}).cursor, cursor);
  EXPECT_EQ(round_trip(SetWebhook{applicant(), "https://example.cn/hook", "0123456789abcdef"}).url,
            "https://example.cn/hook");
  EXPECT_EQ(round_trip(ReplayDeliveries{applicant(), 12}).id, 12);
  EXPECT_EQ(round_trip(ReplayDeliveries{applicant(), std::nullopt}).id, std::nullopt);
  EXPECT_EQ(round_trip(PreviewScore{Kind::morning_star, {{"claimed_level", 1}}, std::nullopt}).payload["claimed_level"],
            1);
}

TEST(Commands, DecodingNamesEveryFieldAtFaultWithTheRequestsPointer) {
  json message = {{"actor", applicant().to_json()},
                  {"body", {{"kind", "smart_city"}, {"region", 370102}, {"contact", {{"name", "王"}, {"phone", 5}}}}}};
  auto c = decode_request<CreateDeclaration>(message.dump());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ProblemKind::invalid);
  std::vector<std::string> pointers;
  for (const auto& e : c.error().errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/kind", "/round", "/region", "/title", "/contact/phone"}));
  for (const auto& e : c.error().errors) EXPECT_FALSE(e.message_zh.empty()) << e.pointer;

  auto q = decode_request<ListDeclarations>(
      json{{"actor", applicant().to_json()}, {"query", {{"limit", 1000}, {"cursor", "garbage!"}, {"state", "x"}}}}
          .dump());
  ASSERT_FALSE(q);
  pointers.clear();
  for (const auto& e : q.error().errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/query/state", "/query/limit", "/query/cursor"}));
}

// A creation's request_key travels when given, is absent when not, and must be 64 lowercase hex digits.
TEST(Commands, CreationsCarryTheirRequestKey) {
  const std::string key(64, 'a');
  CreateDeclaration declaration{applicant(), Kind::morning_star, "r-1", "370102", "标题"};
  EXPECT_EQ(round_trip(declaration).request_key, std::nullopt);
  declaration.request_key = key;
  EXPECT_EQ(round_trip(declaration).request_key, key);
  CreateRound round{Actor{"a-1", Role::admin, "", std::nullopt, ""}, Kind::morning_star, 2026, "t", "a", "b"};
  round.request_key = key;
  EXPECT_EQ(round_trip(round).request_key, key);
  CreateExpert expert{
      Actor{"a-1", Role::admin, "", std::nullopt, ""}, "e-1", "专家", std::nullopt, "370102", {Kind::morning_star}};
  expert.request_key = key;
  EXPECT_EQ(round_trip(expert).request_key, key);

  auto message = json::parse(encode_request(declaration));
  message["request_key"] = std::string(64, 'A');
  auto refused = decode_request<CreateDeclaration>(message.dump());
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().errors.size(), 1u);
  EXPECT_EQ(refused.error().errors[0].pointer, "/request_key");
}

// A change's request_key travels the same way, and is checked by the same rule.
TEST(Commands, ChangesCarryTheirRequestKey) {
  const std::string key(64, 'b');
  SubmitDeclaration submit{applicant(), "d-1", std::nullopt, key};
  EXPECT_EQ(round_trip(submit).request_key, key);
  submit.request_key.reset();
  EXPECT_EQ(round_trip(submit).request_key, std::nullopt);
  EXPECT_EQ(round_trip(WithdrawDeclaration{applicant(), "d-1", 2, key}).request_key, key);
  EXPECT_EQ(round_trip(DecideDeclaration{county(), "d-1", 2, Decision::approve, "", std::nullopt, key}).request_key,
            key);
  EXPECT_EQ(round_trip(SubmitExpertReview{county(), "d-1", 80, "好", std::nullopt, key}).request_key, key);
  EXPECT_EQ(round_trip(ResolveObjection{county(), "o-1", ObjectionOutcome::dismissed, "查无实据", key}).request_key,
            key);

  auto message =
      json::parse(encode_request(DecideDeclaration{county(), "d-1", 2, Decision::approve, "", std::nullopt, key}));
  message["request_key"] = "short";
  auto refused = decode_request<DecideDeclaration>(message.dump());
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().errors.size(), 1u);
  EXPECT_EQ(refused.error().errors[0].pointer, "/request_key");
}

TEST(Commands, RoundCommandsSurviveTheirRoundTrip) {
  const Actor admin{"a-1", Role::admin, "", std::nullopt, ""};
  CreateRound create{admin,
                     Kind::industry_brain,
                     2026,
                     "2026年度产业大脑申报",
                     "2026-03-01T00:00:00+08:00",
                     "2026-04-01T00:00:00+08:00",
                     {3, 7, 9},
                     {{"370100", 1}},
                     6,
                     4};
  auto c = round_trip(create);
  EXPECT_EQ(c.kind, Kind::industry_brain);
  EXPECT_EQ(c.year, 2026);
  EXPECT_EQ(c.closes_at, create.closes_at);
  EXPECT_EQ(c.review_working_days, (ReviewDays{3, 7, 9}));
  EXPECT_EQ(c.quotas, create.quotas);
  EXPECT_EQ(c.publicity_working_days, 6);
  EXPECT_EQ(c.validity_years, 4);

  auto l = round_trip(ListRounds{admin, Kind::morning_star, RoundState::open});
  EXPECT_EQ(l.kind, Kind::morning_star);
  EXPECT_EQ(l.state, RoundState::open);

  UpdateRound patch{admin, "r-1", 2};
  patch.title = "新标题";
  auto u = round_trip(patch);
  EXPECT_EQ(u.expected_version, 2);
  EXPECT_EQ(u.title, "新标题");
  EXPECT_FALSE(u.opens_at);
  EXPECT_FALSE(u.quotas) << "a patch changes only what it names";

  auto no_version = decode_request<UpdateRound>(json{{"actor", admin.to_json()}, {"id", "r-1"}}.dump());
  ASSERT_FALSE(no_version);
  EXPECT_EQ(no_version.error().kind, ProblemKind::precondition_required);
  auto bad_state = decode_request<ListRounds>(json{{"actor", admin.to_json()}, {"query", {{"state", "x"}}}}.dump());
  ASSERT_FALSE(bad_state);
  EXPECT_EQ(bad_state.error().errors.at(0).pointer, "/query/state");
}

TEST(Commands, AReplayNamingItsDeliveryOutsideTheBodyIsRefusedNotWidened) {
  auto r = decode_request<ReplayDeliveries>(json{{"actor", {{"sub", "ops"}, {"role", "admin"}}}, {"id", 42}}.dump());
  ASSERT_FALSE(r) << "an old-form replay of one delivery would replay every dead one";
  EXPECT_EQ(r.error().errors.at(0).pointer, "/id");
}

TEST(Commands, AnEditOrADecisionWithoutAVersionIsPreconditionRequired) {
  json body = {{"title", "t"}, {"contact", {{"name", "王"}, {"phone", "12345678"}}}, {"payload", json::object()}};
  auto u =
      decode_request<UpdateDeclaration>(json{{"actor", applicant().to_json()}, {"id", "d"}, {"body", body}}.dump());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ProblemKind::precondition_required);
  auto d = decode_request<DecideDeclaration>(
      json{{"actor", county().to_json()}, {"id", "d"}, {"body", {{"decision", "approve"}}}}.dump());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), if_match_required());
}

TEST(Commands, AnActorWithoutWhatItsRoleNeedsIsUnauthenticated) {
  for (json actor : {json(nullptr), json{{"sub", "u"}}, json{{"sub", "u"}, {"role", "applicant"}},
                     json{{"sub", "u"}, {"role", "reviewer"}, {"tier", "county"}}, json{{"role", "admin"}},
                     json{{"sub", "u"}, {"role", "emperor"}}}) {
    auto s = decode_request<Statistics>(json{{"actor", actor}}.dump());
    ASSERT_FALSE(s) << actor.dump();
    EXPECT_EQ(s.error().kind, ProblemKind::unauthenticated) << actor.dump();
  }
  EXPECT_TRUE(decode_request<Statistics>(json{{"actor", {{"sub", "a"}, {"role", "admin"}}}}.dump()));
}

TEST(Commands, AMessageThatIsNotStrictJsonIsInvalidWithItsPointer) {
  auto twice = decode_request<Statistics>(R"({"actor":{"sub":"a","role":"admin"},"actor":{"sub":"b","role":"admin"}})");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, ProblemKind::invalid);
  EXPECT_EQ(twice.error().errors.at(0).pointer, "/actor");
  auto garbage = decode_request<Statistics>("{not json");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ProblemKind::invalid);
}

TEST(Commands, RepliesCarryTheValueOrTheProblemByKind) {
  Declaration d{"d-1", 3, {{"id", "d-1"}, {"version", 3}, {"state", "draft"}}};
  auto ok = decode_reply<Declaration>(encode_reply(Result<Declaration>(d)), "workflow");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, "d-1");
  EXPECT_EQ(ok->version, 3);
  EXPECT_EQ(ok->body, d.body);

  Problem conflict{ProblemKind::conflict, {"Not now", "当前状态不允许"}, {"it is a draft", "这是草稿"}, {}};
  auto no = decode_reply<Declaration>(encode_reply(Result<Declaration>(refuse(conflict))), "workflow");
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error(), conflict);

  for (const char* bad : {"", "[]", R"({"status":200})", R"({"problem":{"kind":"teapot"}})", R"({"ok":{"id":1}})"}) {
    auto r = decode_reply<Declaration>(bad, "workflow");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ProblemKind::unavailable) << bad;
    EXPECT_NE(r.error().detail.en.find("workflow"), std::string::npos);
  }
}

TEST(Commands, AnInfrastructureFailureInAHandlerAnswersUnavailable) {
  auto reply = answer<Statistics>(
      json{{"actor", {{"sub", "a"}, {"role", "admin"}}}}.dump(),
      [](const Statistics&) -> Result<Document> { throw Error(ErrorSource::database, "connection lost", 2013, true); });
  auto r = decode_reply<Document>(reply, "workflow");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::unavailable);
  auto bug = answer<Statistics>(json{{"actor", {{"sub", "a"}, {"role", "admin"}}}}.dump(),
                                [](const Statistics&) -> Result<Document> { return Document{json::array().at(3)}; });
  auto b = decode_reply<Document>(bug, "workflow");
  ASSERT_FALSE(b) << "a handler's own fault still gets an answer";
  EXPECT_EQ(b.error().kind, ProblemKind::unavailable);
  auto fine = answer<Statistics>(json{{"actor", {{"sub", "a"}, {"role", "admin"}}}}.dump(),
                                 [](const Statistics& s) -> Result<Document> {
                                   return Document{{{"who", s.actor.sub}}};
                                 });
  EXPECT_EQ(decode_reply<Document>(fine, "workflow")->body["who"], "a");
}

TEST(Commands, EveryProblemKindHasItsName) {
  for (auto k : {ProblemKind::invalid, ProblemKind::unauthenticated, ProblemKind::forbidden, ProblemKind::not_found,
                 ProblemKind::conflict, ProblemKind::precondition_failed, ProblemKind::precondition_required,
                 ProblemKind::rule, ProblemKind::unavailable})
    EXPECT_EQ(parse_problem_kind(name(k)), k);
  EXPECT_EQ(parse_problem_kind("teapot"), std::nullopt);
}

TEST(Commands, TheQueuesSearchTermIsTrimmedLowerCasedAndBounded) {
  EXPECT_EQ(search_term("  MSF-2026-3701 "), "msf-2026-3701");
  EXPECT_EQ(search_term("\u3000济南ABC科技\u3000"), "济南abc科技") << "ideographic spaces trimmed, only Latin lowered";
  EXPECT_EQ(search_term("Ｑ"), "Ｑ") << "full-width letters are left as they are";
  EXPECT_EQ(search_term("   "), std::nullopt);
  EXPECT_EQ(search_term(""), std::nullopt);
  EXPECT_EQ(search_term(std::string(50, 'x')), std::string(50, 'x'));
  std::string fifty_chinese;
  for (int i = 0; i < 50; ++i) fifty_chinese += "智";
  EXPECT_EQ(search_term(fifty_chinese), fifty_chinese) << "50 characters, 150 bytes";
  EXPECT_FALSE(search_term(fifty_chinese + "造"));
  EXPECT_FALSE(search_term(std::string(51, 'x')));
  EXPECT_FALSE(search_term(std::string(100000, 'x')));
  EXPECT_EQ(search_term(std::string(51, 'x')).error().zh, "最多 50 个字");
  EXPECT_FALSE(search_term("a\nb")) << "a control character";
  EXPECT_FALSE(search_term("a\x7f"));
  EXPECT_FALSE(search_term("\xff\xfe")) << "not UTF-8";
  EXPECT_FALSE(search_term("\xc0\xaf")) << "an overlong form";
  EXPECT_FALSE(search_term("\xed\xa0\x80")) << "a surrogate";
  EXPECT_FALSE(search_term("\xe6\x99")) << "cut short";
}

TEST(Commands, AQueueCommandWithBadQueryMembersIsRefusedAtTheirPointers) {
  json j = to_json(PendingReviews{county(), std::nullopt, std::nullopt, 20, std::nullopt});
  j["query"]["q"] = std::string(51, 'x');
  j["query"]["overdue"] = "yes";
  j["query"]["sort"] = "number";
  auto r = from_json(j, Tag<PendingReviews>{});
  ASSERT_FALSE(r);
  std::set<std::string> pointers;
  for (const auto& e : r.error().errors) pointers.insert(e.pointer);
  EXPECT_EQ(pointers, (std::set<std::string>{"/query/q", "/query/overdue", "/query/sort"}));
  json old = to_json(PendingReviews{county(), std::nullopt, std::nullopt, 20, std::nullopt});
  old["query"]["region"] = "370102";  // its name before rounds
  EXPECT_EQ(from_json(old, Tag<PendingReviews>{})->county, "370102");
}

// GET and the queue's replies travel as text (cmd::Serialized): the bytes come back as they were
// sent with the id and version beside them; a refusal is still a problem; the {"ok": …} of a
// replica that sends JSON is read too; a header without its line end is refused.
TEST(Commands, ASerializedReplyComesBackAsItsBytes) {
  const std::string text = R"({"id":"d1","payload":{"MS01":{"met":true}},"version":4})";
  auto sent = decode_reply<Serialized>(encode_reply(Result<Serialized>(Serialized{"d1", 4, text})), "workflow");
  ASSERT_TRUE(sent) << sent.error().title.en;
  EXPECT_EQ(sent->id, "d1");
  EXPECT_EQ(sent->version, 4);
  EXPECT_EQ(sent->json, text);
  auto refused = decode_reply<Serialized>(
      encode_reply(Result<Serialized>(refuse(Problem::not_found({"No such declaration", "申报不存在"})))), "workflow");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ProblemKind::not_found);
  auto older = decode_reply<Serialized>(R"({"ok":{"id":"d2","version":7,"title":"t"}})", "workflow");
  ASSERT_TRUE(older);
  EXPECT_EQ(older->id, "d2");
  EXPECT_EQ(older->version, 7);
  EXPECT_EQ(json::parse(older->json)["title"], "t");
  auto cut = decode_reply<Serialized>(R"(S{"id":"d1","version":4})", "workflow");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind, ProblemKind::unavailable);
}
