// Calls over the WebSocket (protocol.md, "WebSocket"): call:start, call:join, call:leave,
// call:end and the events each one sends to the room; the capacity; the grace period of a
// participant whose connection dropped; two starts at the same moment.

#include <latch>
#include <thread>

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

// Ada created the room; Grace and Linus joined it. Everyone has a socket open.
class RealtimeCallTest : public three_in_a_room_test {
  protected:
    std::vector<ws_client*> everyone() { return {ada_ws.get(), grace_ws.get(), linus_ws.get()}; }

    // Every socket of the room receives this frame next.
    void expect_everyone_gets(const std::string& type, const nlohmann::json& data) {
        for (auto* socket : everyone()) {
            auto frame = socket->next();
            ASSERT_TRUE(is_event(frame, type));
            EXPECT_EQ((*frame)["data"], data);
        }
    }

    // Nobody receives anything.
    void expect_quiet_room() {
        for (auto* socket : everyone()) EXPECT_TRUE(socket->expect_silence());
    }

    // The participants' member ids in a snapshot's call (in no particular order: two who
    // joined in the same millisecond come in either order).
    std::set<std::string> participants_of(const nlohmann::json& call) {
        std::set<std::string> ids;
        for (const auto& p : call["participants"]) ids.insert(p["memberId"].get<std::string>());
        return ids;
    }
};

// ---- call:start ----

TEST_F(RealtimeCallTest, StartAnnouncesTheCallToTheWholeRoom) {
    grace_ws->send("call:start", {}, "start-1");

    std::string call_id;
    for (auto* socket : everyone()) {  // Ada and Linus too, though not in the call
        auto started = socket->next();
        ASSERT_TRUE(is_event(started, "call:started"));
        const auto& data = (*started)["data"];
        EXPECT_EQ(keys_of(data), std::set<std::string>{"call"});
        const auto& call = data["call"];
        EXPECT_EQ(keys_of(call),
                  (std::set<std::string>{"id", "startedBy", "startedAt", "participants"}));
        EXPECT_TRUE(is_uuid(call["id"])) << call;
        EXPECT_EQ(call["startedBy"], grace.member_id);
        auto started_ago = seconds_from_now(call["startedAt"]);
        ASSERT_TRUE(started_ago.has_value()) << call;
        EXPECT_LT(std::abs(*started_ago), 60.0);
        ASSERT_EQ(call["participants"].size(), 1u) << call;
        EXPECT_EQ(keys_of(call["participants"][0]),
                  (std::set<std::string>{"memberId", "joinedAt"}));
        EXPECT_EQ(call["participants"][0]["memberId"], grace.member_id);
        EXPECT_TRUE(parse_utc_time(call["participants"][0]["joinedAt"]).has_value()) << call;
        if (call_id.empty()) call_id = call["id"];
        EXPECT_EQ(call["id"], call_id);  // the same call for everyone
    }
    auto state = api().room_state(ada);
    EXPECT_EQ(state["call"]["id"], call_id);
    EXPECT_EQ(participants_of(state["call"]), std::set<std::string>{grace.member_id});
}

TEST_F(RealtimeCallTest, ASecondStartIsCallActive) {
    auto call_id = start_call(*grace_ws);
    for (auto* socket : {ada_ws.get(), linus_ws.get()})
        ASSERT_TRUE(is_event(socket->next(), "call:started"));

    linus_ws->send("call:start", {}, "mine");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "call_active", "mine"));
    grace_ws->send("call:start", {}, 7);  // the starter too
    EXPECT_TRUE(is_ws_error(grace_ws->next(), "call_active", 7));

    expect_quiet_room();
    EXPECT_EQ(api().room_state(ada)["call"]["id"], call_id);
}

// ---- call:join ----

TEST_F(RealtimeCallTest, JoinIsAnnouncedToTheRoomAndJoiningTwiceIsHarmless) {
    auto call_id = start_call(*grace_ws);
    for (auto* socket : {ada_ws.get(), linus_ws.get()})
        ASSERT_TRUE(is_event(socket->next(), "call:started"));

    linus_ws->send("call:join", {{"callId", call_id}}, "j1");
    expect_everyone_gets("call:participant-joined",
                         {{"callId", call_id}, {"memberId", linus.member_id}});

    linus_ws->send("call:join", {{"callId", call_id}}, "j2");
    auto again = linus_ws->next();
    ASSERT_TRUE(is_event(again, "call:participant-joined"));
    EXPECT_EQ((*again)["data"],
              (nlohmann::json{{"callId", call_id}, {"memberId", linus.member_id}}));
    EXPECT_TRUE(ada_ws->expect_silence());
    EXPECT_TRUE(grace_ws->expect_silence());
    EXPECT_TRUE(linus_ws->expect_silence());

    // The starter joining their own call is harmless as well.
    grace_ws->send("call:join", {{"callId", call_id}});
    EXPECT_TRUE(is_event(grace_ws->next(), "call:participant-joined"));
    EXPECT_TRUE(ada_ws->expect_silence());

    auto call = api().room_state(ada)["call"];
    EXPECT_EQ(participants_of(call), (std::set<std::string>{grace.member_id, linus.member_id}));
}

TEST_F(RealtimeCallTest, StaleUnknownAndMalformedCallIdsAreRefused) {
    auto first = start_call(*grace_ws);
    grace_ws->send("call:end", {{"callId", first}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:ended"));
    auto current = start_call(*grace_ws);
    for (auto* socket : {ada_ws.get(), linus_ws.get()})
        ASSERT_TRUE(socket->next_of_type("call:started"));
    const std::string unknown = "0b7c6b4e-3f56-4f7a-9d0e-6a1f2b3c4d5e";

    for (const auto& type : {"call:join", "call:leave", "call:end"}) {
        SCOPED_TRACE(type);
        for (const auto& stale : {first, unknown}) {
            linus_ws->send(type, {{"callId", stale}}, "stale");
            EXPECT_TRUE(is_ws_error(linus_ws->next(), "no_active_call", "stale"));
        }
        for (const auto& data :
             {nlohmann::json::object(), nlohmann::json{{"callId", 42}},
              nlohmann::json{{"callId", nullptr}}, nlohmann::json{{"callId", ""}},
              nlohmann::json{{"callId", nlohmann::json::array({current})}},
              nlohmann::json{{"callId", {{"id", current}}}}}) {
            SCOPED_TRACE(data.dump());
            linus_ws->send(type, data, "malformed");
            EXPECT_TRUE(is_ws_error(linus_ws->next(), "bad_request", "malformed"));
        }
    }
    linus_ws->send("call:leave", {{"callId", current}}, "not-in");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "not_in_call", "not-in"));

    expect_quiet_room();
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              std::set<std::string>{grace.member_id});
}

// ---- call:leave ----

TEST_F(RealtimeCallTest, LeavingIsAnnouncedAndTheLastLeaverEndsTheCall) {
    auto call_id = start_call(*grace_ws);
    linus_ws->send("call:join", {{"callId", call_id}});
    for (auto* socket : everyone()) {
        ASSERT_TRUE(socket->next_of_type("call:participant-joined"));
    }

    linus_ws->send("call:leave", {{"callId", call_id}}, "bye");
    expect_everyone_gets("call:participant-left",
                         {{"callId", call_id}, {"memberId", linus.member_id}, {"reason", "left"}});
    expect_quiet_room();
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              std::set<std::string>{grace.member_id});

    grace_ws->send("call:leave", {{"callId", call_id}});
    expect_everyone_gets("call:participant-left",
                         {{"callId", call_id}, {"memberId", grace.member_id}, {"reason", "left"}});
    expect_everyone_gets("call:ended", {{"callId", call_id}, {"reason", "empty"}});
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());

    // Over: joining it is no_active_call, and a new call can start.
    linus_ws->send("call:join", {{"callId", call_id}}, "late");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "no_active_call", "late"));
    EXPECT_NE(start_call(*linus_ws), call_id);
}

// ---- call:end ----

TEST_F(RealtimeCallTest, OnlyTheStarterOrTheRoomsCreatorMayEndTheCall) {
    auto call_id = start_call(*grace_ws);
    linus_ws->send("call:join", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-joined"));

    linus_ws->send("call:end", {{"callId", call_id}}, "end-it");  // a participant, no more
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "forbidden", "end-it"));
    expect_quiet_room();
    EXPECT_EQ(api().room_state(ada)["call"]["id"], call_id);

    grace_ws->send("call:end", {{"callId", call_id}});  // the starter
    expect_everyone_gets("call:ended",
                         {{"callId", call_id}, {"reason", "ended"}, {"endedBy", grace.member_id}});
    expect_quiet_room();
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());

    // The room's creator may end a call she is not in.
    auto second = start_call(*linus_ws);
    for (auto* socket : {ada_ws.get(), grace_ws.get()})
        ASSERT_TRUE(socket->next_of_type("call:started"));
    ada_ws->send("call:end", {{"callId", second}});
    expect_everyone_gets("call:ended",
                         {{"callId", second}, {"reason", "ended"}, {"endedBy", ada.member_id}});
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());
}

// ---- reconnecting ----

TEST_F(RealtimeCallTest, RoomStateAfterAReconnectShowsTheCall) {
    auto call_id = start_call(*grace_ws);
    linus_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(linus_ws->next_of_type("call:participant-joined"));
    linus_ws->close();

    nlohmann::json state;
    auto again = join(linus, &state);

    ASSERT_TRUE(state["call"].is_object()) << state;
    EXPECT_EQ(state["call"]["id"], call_id);
    EXPECT_EQ(state["call"]["startedBy"], grace.member_id);
    EXPECT_EQ(participants_of(state["call"]),
              (std::set<std::string>{grace.member_id, linus.member_id}));
    EXPECT_EQ(state["call"], api().room_state(ada)["call"]);
}

// ---- capacity ----

class RealtimeSmallCallTest : public RealtimeCallTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--call-capacity", "2"}};
    }
};

TEST_F(RealtimeSmallCallTest, AJoinPastTheCapacityIsCallFull) {
    auto call_id = start_call(*grace_ws);
    ada_ws->send("call:join", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-joined"));

    linus_ws->send("call:join", {{"callId", call_id}}, "full?");

    EXPECT_TRUE(is_ws_error(linus_ws->next(), "call_full", "full?"));
    expect_quiet_room();
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{grace.member_id, ada.member_id}));
    // Someone already in still "joins" harmlessly; once a place is free, Linus gets in.
    ada_ws->send("call:join", {{"callId", call_id}});
    EXPECT_TRUE(is_event(ada_ws->next(), "call:participant-joined"));
    ada_ws->send("call:leave", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-left"));
    linus_ws->send("call:join", {{"callId", call_id}});
    expect_everyone_gets("call:participant-joined",
                         {{"callId", call_id}, {"memberId", linus.member_id}});
}

// ---- the grace period of a dropped participant ----

class RealtimeCallGraceTest : public RealtimeCallTest {
  protected:
    static constexpr auto grace_period = 2s;
    std::map<std::string, std::string> server_flags() const override {
        return {{"--call-grace", "2"}};
    }
};

TEST_F(RealtimeCallGraceTest, ADroppedParticipantKeepsTheirPlaceUntilTheGraceEnds) {
    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-joined"));

    // The network goes away: offline at once, but still in the call.
    grace_ws->drop();
    auto offline = ada_ws->next();
    ASSERT_TRUE(is_event(offline, "member:left"));
    EXPECT_EQ((*offline)["data"],
              (nlohmann::json{{"memberId", grace.member_id}, {"reason", "offline"}}));
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));

    // Back within the grace period: room:state still has her in the call.
    nlohmann::json state;
    grace_ws = join(grace, &state);
    EXPECT_EQ(participants_of(state["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));
    // ... and the grace period passes without her being removed.
    auto removed = ada_ws->next_of_type("call:participant-left", grace_period + 1500ms);
    EXPECT_FALSE(removed.has_value()) << shown(*removed);
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));

    // Gone again, for good this time: removed with reason "dropped" once the grace ends.
    grace_ws->drop();
    auto dropped_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(is_event(ada_ws->next(), "member:left"));
    auto left = ada_ws->next(grace_period + 5s);
    auto waited = std::chrono::steady_clock::now() - dropped_at;
    ASSERT_TRUE(is_event(left, "call:participant-left"));
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{
                  {"callId", call_id}, {"memberId", grace.member_id}, {"reason", "dropped"}}));
    EXPECT_GE(waited, grace_period - 500ms);
    EXPECT_TRUE(linus_ws->next_of_type("call:participant-left").has_value());
    // Ada is still in it: the call goes on.
    EXPECT_TRUE(ada_ws->expect_silence());
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]), std::set<std::string>{ada.member_id});
}

TEST_F(RealtimeCallGraceTest, TheLastParticipantDroppingEndsTheCallAfterTheGrace) {
    auto call_id = start_call(*grace_ws);
    for (auto* socket : {ada_ws.get(), linus_ws.get()})
        ASSERT_TRUE(socket->next_of_type("call:started"));

    grace_ws->drop();

    ASSERT_TRUE(is_event(ada_ws->next(), "member:left"));
    auto left = ada_ws->next(grace_period + 5s);
    ASSERT_TRUE(is_event(left, "call:participant-left"));
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{
                  {"callId", call_id}, {"memberId", grace.member_id}, {"reason", "dropped"}}));
    auto ended = ada_ws->next();
    ASSERT_TRUE(is_event(ended, "call:ended"));
    EXPECT_EQ((*ended)["data"], (nlohmann::json{{"callId", call_id}, {"reason", "empty"}}));
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());
}

// A member who is online on another socket has not dropped: closing one tab keeps them in.
TEST_F(RealtimeCallGraceTest, ClosingOneOfTwoSocketsIsNotADrop) {
    auto call_id = start_call(*ada_ws);
    auto second_tab = join(grace);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));

    grace_ws->drop();

    auto anything = ada_ws->next(grace_period + 1500ms);
    EXPECT_FALSE(anything.has_value()) << shown(*anything);
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));
}

// A restart leaves nobody online: the call's participants get the grace period to come
// back, and whoever does not is removed as dropped, so no call is left running forever.
TEST_F(RealtimeCallGraceTest, AfterARestartOnlyThoseWhoComeBackStayInTheCall) {
    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));

    server().restart();
    ada_ws = join(ada);  // Ada comes back; Grace does not

    auto left = ada_ws->next_of_type("call:participant-left", grace_period + 5s);
    ASSERT_TRUE(left.has_value()) << "Grace is still in the call";
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{
                  {"callId", call_id}, {"memberId", grace.member_id}, {"reason", "dropped"}}));
    EXPECT_TRUE(ada_ws->expect_silence());
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]), std::set<std::string>{ada.member_id});
}

// ---- two starts at once ----

// ---- one order (protocol.md "seq") ----

TEST_F(RealtimeCallTest, RoomEventsAreNumberedOneByOneAndTheStateSaysWhereItIs) {
    auto base = api().room_state(ada)["seq"].get<std::int64_t>();
    auto call_id = start_call(*grace_ws);
    linus_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(linus_ws->next_of_type("call:participant-joined"));
    grace_ws->send("call:leave", {{"callId", call_id}});
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-left"));
    linus_ws->send("call:leave", {{"callId", call_id}});  // the last: the call ends too

    std::vector<std::string> types;
    for (int i = 1; i <= 5; ++i) {
        auto frame = ada_ws->next();
        ASSERT_TRUE(frame.has_value()) << "event " << i << " did not come";
        EXPECT_EQ((*frame)["seq"], base + i) << shown(*frame);
        types.push_back((*frame)["type"]);
    }
    EXPECT_EQ(types, (std::vector<std::string>{"call:started", "call:participant-joined",
                                               "call:participant-left", "call:participant-left",
                                               "call:ended"}));
    EXPECT_EQ(api().room_state(ada)["seq"], base + 5);
    auto again = join(ada);  // a new socket's room:state reflects them all
    EXPECT_TRUE(again->expect_silence());
    ada_ws->send("room:join", {{"token", ada.token}});
    auto state = ada_ws->next_of_type("room:state");
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ((*state)["data"]["seq"], base + 5);
}

// Joins and leaves racing from two sockets (and, with four network threads, published from
// several): the numbers give the order the store committed them in, without gaps or
// repeats, and replaying the events in that order ends where the room is.
TEST_F(RealtimeCallTest, RacingChangesReplayedInNumberOrderEndWhereTheRoomIs) {
    auto call_id = start_call(*ada_ws);
    auto base = api().room_state(ada)["seq"].get<std::int64_t>();
    constexpr int rounds = 15;
    auto churn = [&](ws_client& socket, const std::string& self) {
        auto own = [&](const char* type) {
            for (;;) {
                auto frame = socket.next_of_type(type);
                if (!frame) return false;
                if ((*frame)["data"]["memberId"] == self) return true;
            }
        };
        for (int i = 0; i < rounds; ++i) {
            socket.send("call:join", {{"callId", call_id}});
            if (!own("call:participant-joined")) return false;
            socket.send("call:leave", {{"callId", call_id}});
            if (!own("call:participant-left")) return false;
        }
        return true;
    };
    bool grace_done = false, linus_done = false;
    std::thread grace_thread([&] { grace_done = churn(*grace_ws, grace.member_id); });
    std::thread linus_thread([&] { linus_done = churn(*linus_ws, linus.member_id); });
    grace_thread.join();
    linus_thread.join();
    ASSERT_TRUE(grace_done && linus_done);

    auto state = api().room_state(ada);
    auto last = state["seq"].get<std::int64_t>();
    EXPECT_EQ(last, base + 4 * rounds);
    std::map<std::int64_t, nlohmann::json> by_number;
    while (by_number.size() < static_cast<std::size_t>(last - base)) {
        auto frame = ada_ws->next();
        ASSERT_TRUE(frame.has_value()) << "only " << by_number.size() << " events came";
        auto seq = (*frame)["seq"].get<std::int64_t>();
        EXPECT_TRUE(by_number.emplace(seq, *frame).second) << "number " << seq << " twice";
    }
    EXPECT_EQ(by_number.begin()->first, base + 1);
    EXPECT_EQ(by_number.rbegin()->first, last);
    std::set<std::string> in_call{ada.member_id};
    for (const auto& [seq, frame] : by_number) {
        auto member = frame["data"]["memberId"].get<std::string>();
        if (frame["type"] == "call:participant-joined") {
            EXPECT_TRUE(in_call.insert(member).second) << "joined twice by number " << seq;
        } else {
            EXPECT_EQ(frame["type"], "call:participant-left");
            EXPECT_EQ(in_call.erase(member), 1u) << "left without joining, by number " << seq;
        }
    }
    EXPECT_EQ(in_call, participants_of(state["call"]));
}

TEST_F(RealtimeCallTest, TwoSimultaneousStartsMakeExactlyOneCall) {
    struct contender {
        ws_client* socket;
        std::string member_id;
    };
    contender contenders[] = {{ada_ws.get(), ada.member_id}, {grace_ws.get(), grace.member_id}};

    for (int round = 0; round < 20; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        send_at_once({contenders[0].socket, contenders[1].socket}, "call:start", round);

        // Each socket gets one call:started; the loser also gets call_active.
        std::string winner;
        int refusals = 0;
        for (auto& c : contenders) {
            std::optional<nlohmann::json> started;
            bool refused = false;
            while (!started ||
                   (!refused && (*started)["data"]["call"]["startedBy"] != c.member_id)) {
                auto frame = c.socket->next();
                ASSERT_TRUE(frame.has_value()) << "waiting for call:started and call_active";
                if ((*frame)["type"] == "call:started") {
                    ASSERT_FALSE(started.has_value()) << "a second call:started: " << shown(*frame);
                    started = frame;
                } else {
                    ASSERT_TRUE(is_ws_error(frame, "call_active", round));
                    ASSERT_FALSE(refused) << "refused twice";
                    refused = true;
                }
            }
            auto started_by = (*started)["data"]["call"]["startedBy"].get<std::string>();
            if (winner.empty()) winner = started_by;
            EXPECT_EQ(started_by, winner);
            refusals += refused ? 1 : 0;
        }
        EXPECT_EQ(refusals, 1);
        ASSERT_TRUE(is_event(linus_ws->next(), "call:started"));

        // The winner ends it; nothing else arrives before call:ended.
        auto call = api().room_state(ada)["call"];
        ASSERT_TRUE(call.is_object());
        ASSERT_EQ(call["startedBy"], winner);
        auto& ender = contenders[0].member_id == winner ? contenders[0] : contenders[1];
        ender.socket->send("call:end", {{"callId", call["id"]}});
        for (auto* socket : everyone()) {
            auto ended = socket->next();
            ASSERT_TRUE(is_event(ended, "call:ended"));
            EXPECT_EQ((*ended)["data"]["callId"], call["id"]);
        }
    }
}

}  // namespace
}  // namespace parlor::itest
