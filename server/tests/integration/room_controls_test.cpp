// Chat, host controls and raised hands (protocol.md "Chat, host controls and raised hands"):
// every event and route with its error codes, the lock racing a join, and one person
// removed from two sockets at once.

#include <future>
#include <latch>
#include <thread>

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

// The three of three_in_a_room_test, with no chat rate so that a test may write a history.
class RoomControlsTest : public three_in_a_room_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--chat-messages-per-minute", "0"}};
    }

    http_reply messages(const admission& who, const std::string& query = "") {
        return api().call("GET", "/api/rooms/" + who.code + "/messages" + query, {},
                          bearer(who.token));
    }

    // Sends chat:send from `socket` and returns the chat:message it is answered with (the
    // one echoing its rid: the socket hears everyone's messages).
    nlohmann::json say(ws_client& socket, const std::string& text) {
        auto rid = "say-" + std::to_string(++said_);
        socket.send("chat:send", {{"text", text}}, rid);
        for (;;) {
            auto echo = socket.next_of_type("chat:message");
            if (!echo) throw std::runtime_error("no chat:message for " + text);
            if (echo->value("rid", "") == rid) return *echo;
        }
    }
    int said_ = 0;

    static std::vector<std::string> texts(const nlohmann::json& messages) {
        std::vector<std::string> all;
        for (const auto& m : messages) all.push_back(m["text"]);
        return all;
    }

    static std::vector<std::string> numbered(int from, int to) {
        std::vector<std::string> all;
        for (int i = from; i <= to; ++i) all.push_back("message " + std::to_string(i));
        return all;
    }
};

// ---- chat ----

TEST_F(RoomControlsTest, AMessageReachesTheWholeRoomAndTheSendersCopyCarriesTheRid) {
    ada_ws->send("chat:send", {{"text", "  can you hear me?\r\nI'm muted  "}}, "c1");

    auto own = ada_ws->next();
    ASSERT_TRUE(is_event(own, "chat:message"));
    EXPECT_EQ((*own)["rid"], "c1");
    const auto& message = (*own)["data"]["message"];
    EXPECT_EQ(keys_of(message),
              (std::set<std::string>{"id", "memberId", "displayName", "text", "createdAt"}));
    EXPECT_TRUE(is_uuid(message["id"]));
    EXPECT_EQ(message["memberId"], ada.member_id);
    EXPECT_EQ(message["displayName"], "Ada");
    EXPECT_EQ(message["text"], "can you hear me?\nI'm muted");  // trimmed, one kind of newline
    EXPECT_TRUE(parse_utc_time(message["createdAt"]));
    ASSERT_TRUE((*own)["seq"].is_number_integer());
    for (auto* other : {grace_ws.get(), linus_ws.get()}) {
        auto heard = other->next();
        ASSERT_TRUE(is_event(heard, "chat:message"));
        EXPECT_FALSE(heard->contains("rid"));
        EXPECT_EQ((*heard)["data"]["message"], message);
        EXPECT_EQ((*heard)["seq"], (*own)["seq"]);
    }
    EXPECT_TRUE(ada_ws->expect_silence());  // one copy for the sender, not two
}

TEST_F(RoomControlsTest, ALateJoinerSeesTheLatest100AndPagesBackToTheFirst) {
    for (int i = 1; i <= 120; ++i) say(i % 2 ? *ada_ws : *grace_ws, "message " + std::to_string(i));

    auto dora = api().join_room(ada.code, "Dora");
    nlohmann::json state;
    auto dora_ws = join(dora, &state);
    EXPECT_EQ(texts(state["messages"]), numbered(21, 120));
    EXPECT_EQ(state["messages"][0]["displayName"], "Ada");  // message 21 is Ada's
    EXPECT_EQ(texts(api().room_state(dora)["messages"]), numbered(21, 120));

    auto oldest_shown = state["messages"][0]["id"].get<std::string>();
    auto page = messages(dora, "?before=" + oldest_shown + "&limit=15");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(texts(page.json()["messages"]), numbered(6, 20));
    auto first_page = messages(
        dora, "?before=" + page.json()["messages"][0]["id"].get<std::string>() + "&limit=15");
    EXPECT_EQ(texts(first_page.json()["messages"]), numbered(1, 5));         // fewer: nothing older
    EXPECT_EQ(texts(messages(dora).json()["messages"]), numbered(71, 120));  // 50 by default
}

TEST_F(RoomControlsTest, PagingRefusesWhatItCannotAnswer) {
    auto first = say(*ada_ws, "hello")["data"]["message"]["id"].get<std::string>();
    auto other = api().create_room("Eve");
    for (auto query : {"?limit=0", "?limit=101", "?limit=ten", "?limit=1.5", "?limit=",
                       "?before=not-a-message", "?before=00000000-0000-4000-8000-000000000000"}) {
        EXPECT_TRUE(is_error(messages(grace, query), 400, "bad_request")) << query;
    }
    // A message id of this room from another room's member: the token decides first.
    EXPECT_TRUE(is_error(api().call("GET", "/api/rooms/" + ada.code + "/messages?before=" + first,
                                    {}, bearer(other.token)),
                         403, "forbidden"));
    EXPECT_TRUE(is_error(messages(other, "?before=" + first), 400, "bad_request"));
    EXPECT_TRUE(
        is_error(api().call("GET", "/api/rooms/" + ada.code + "/messages"), 401, "unauthorized"));
    EXPECT_EQ(texts(messages(grace, "?limit=1").json()["messages"]),
              std::vector<std::string>{"hello"});
}

TEST_F(RoomControlsTest, AMessageMustBeTextOfOneTo4000Characters) {
    std::string longest;
    for (int i = 0; i < 4000; ++i) longest += "é";  // characters, not bytes
    struct refused {
        nlohmann::json data;
        const char* why;
    } cases[] = {
        {{{"text", ""}}, "empty"},
        {{{"text", " \n\t  "}}, "blank"},
        {{{"text", longest + "é"}}, "4,001 characters"},
        {{{"text", "ring \a bell"}}, "a control character"},
        {{{"text", "evil \u202e txt.exe"}}, "a bidirectional override"},
        {{{"text", 42}}, "not a string"},
        {nlohmann::json::object(), "no text"},
    };
    int rid = 0;
    for (const auto& c : cases) {
        ada_ws->send("chat:send", c.data, ++rid);
        EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", rid)) << c.why;
    }
    EXPECT_TRUE(grace_ws->expect_silence());  // nothing refused reached the room
    EXPECT_EQ(say(*ada_ws, longest)["data"]["message"]["text"], longest);
    EXPECT_EQ(say(*ada_ws, "tab\there")["data"]["message"]["text"], "tab\there");
}

TEST_F(RoomControlsTest, TheNameOfSomeoneWhoLeftStaysOnTheirMessages) {
    say(*grace_ws, "bye all");
    grace_ws->send("room:leave");
    ASSERT_TRUE(grace_ws->wait_closed());
    auto state = api().room_state(ada);
    ASSERT_EQ(state["messages"].size(), 1u);
    EXPECT_EQ(state["messages"][0]["displayName"], "Grace");
    EXPECT_EQ(state["messages"][0]["memberId"], grace.member_id);
}

class ChatLimitsTest : public three_in_a_room_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--chat-messages-per-minute", "3"}, {"--room-max-messages", "5"}};
    }
};

TEST_F(ChatLimitsTest, AMemberPastTheRateAndARoomPastItsHistoryAreToldSo) {
    for (int i = 0; i < 3; ++i) {
        ada_ws->send("chat:send", {{"text", "hi"}}, i);
        ASSERT_TRUE(is_event(ada_ws->next(), "chat:message"));
    }
    ada_ws->send("chat:send", {{"text", "one too many"}}, "fast");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "rate_limited", "fast"));

    // Grace has her own rate; the room holds five messages.
    for (int i = 0; i < 2; ++i) {
        grace_ws->send("chat:send", {{"text", "hello"}}, i);
        ASSERT_TRUE(is_event(grace_ws->next_of_type("chat:message"), "chat:message"));
    }
    grace_ws->send("chat:send", {{"text", "the sixth"}}, "full");
    auto refused = grace_ws->next_of_type("error");
    EXPECT_TRUE(is_ws_error(refused, "quota_exceeded", "full"));
    EXPECT_EQ((*refused)["data"]["message"], "This room's chat is full");
    EXPECT_EQ(api().room_state(linus)["messages"].size(), 5u);
}

// ---- lock ----

TEST_F(RoomControlsTest, TheCreatorLocksTheRoomAndOnlyItsMembersGetBackIn) {
    grace_ws->send("room:lock", {{"locked", true}}, "g");
    EXPECT_TRUE(is_ws_error(grace_ws->next(), "forbidden", "g"));
    ada_ws->send("room:lock", {{"locked", "yes"}}, "typo");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", "typo"));

    ada_ws->send("room:lock", {{"locked", true}}, "lock");
    auto own = ada_ws->next();
    ASSERT_TRUE(is_event(own, "room:updated"));
    EXPECT_EQ((*own)["rid"], "lock");
    EXPECT_EQ((*own)["data"]["room"]["locked"], true);
    EXPECT_EQ((*own)["data"]["room"]["id"], ada.room_id);
    EXPECT_EQ((*own)["data"]["room"]["createdBy"], ada.member_id);
    for (auto* other : {grace_ws.get(), linus_ws.get()}) {
        auto heard = other->next();
        ASSERT_TRUE(is_event(heard, "room:updated"));
        EXPECT_EQ((*heard)["data"], (*own)["data"]);
        EXPECT_EQ((*heard)["seq"], (*own)["seq"]);
    }
    EXPECT_EQ(api().room_state(linus)["room"]["locked"], true);
    EXPECT_EQ(api().room_state(linus)["seq"], (*own)["seq"]);

    auto stranger = api().join(ada.code, name_body("Mallory"));
    EXPECT_TRUE(is_error(stranger, 423, "room_locked"));
    EXPECT_EQ(stranger.json()["error"]["message"], "This room is locked");
    EXPECT_EQ(api().room_state(ada)["members"].size(), 3u);
    // A member's token brings them back, renamed or not.
    EXPECT_EQ(api().join(ada.code, "{}", bearer(grace.token)).status, 200);

    // Locking a locked room changes nothing: an answer to the asker alone, unnumbered.
    ada_ws->send("room:lock", {{"locked", true}}, "again");
    auto again = ada_ws->next();
    ASSERT_TRUE(is_event(again, "room:updated"));
    EXPECT_EQ((*again)["rid"], "again");
    EXPECT_FALSE(again->contains("seq"));
    EXPECT_TRUE(grace_ws->expect_silence());

    ada_ws->send("room:lock", {{"locked", false}});
    EXPECT_EQ((*linus_ws->next_of_type("room:updated"))["data"]["room"]["locked"], false);
    EXPECT_EQ(api().join(ada.code, name_body("Mallory")).status, 200);
}

// A join that arrives as the room locks is either in before the lock or refused: never a
// member added behind a lock that the room already heard of.
TEST_F(RoomControlsTest, AJoinRacingTheLockIsEitherInBeforeItOrRefused) {
    int admitted = 0, refused = 0;
    for (int round = 0; round < 20; ++round) {
        auto members_before = api().room_state(ada)["members"].size();
        std::latch go(2);
        auto joining = std::async(std::launch::async, [&] {
            go.arrive_and_wait();
            return api().join(ada.code, name_body("Racer " + std::to_string(round)));
        });
        go.arrive_and_wait();
        ada_ws->send("room:lock", {{"locked", true}});
        auto join = joining.get();
        auto locked = ada_ws->next_of_type("room:updated");
        ASSERT_TRUE(locked);
        auto state = api().room_state(ada);
        if (join.status == 200) {
            ++admitted;
            EXPECT_EQ(state["members"].size(), members_before + 1);
        } else {
            ++refused;
            EXPECT_TRUE(is_error(join, 423, "room_locked"));
            EXPECT_EQ(state["members"].size(), members_before);
        }
        // Once the lock was heard, nobody new gets in.
        EXPECT_TRUE(is_error(api().join(ada.code, name_body("Late")), 423, "room_locked"));
        ada_ws->send("room:lock", {{"locked", false}});
        ASSERT_TRUE(ada_ws->next_of_type("room:updated"));
    }
    EXPECT_EQ(admitted + refused, 20);
    std::cout << "joins racing the lock: " << admitted << " in before it, " << refused
              << " refused\n";
}

// ---- remove ----

TEST_F(RoomControlsTest, ARemovedMemberLeavesTheCallAndTheRoomAndTheirTokenIsRevoked) {
    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(linus_ws->next_of_type("call:participant-joined"));
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    auto grace_second_tab = join(grace);
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-joined"));

    ada_ws->send("member:remove", {{"memberId", grace.member_id}}, "rm");
    for (auto* socket : {ada_ws.get(), linus_ws.get()}) {
        auto left_call = socket->next_of_type("call:participant-left");
        ASSERT_TRUE(left_call);
        EXPECT_EQ((*left_call)["data"]["memberId"], grace.member_id);
        EXPECT_EQ((*left_call)["data"]["reason"], "removed");
        auto left = socket->next_of_type("member:left");
        ASSERT_TRUE(left);
        EXPECT_EQ((*left)["data"],
                  (nlohmann::json{{"memberId", grace.member_id}, {"reason", "removed"}}));
        EXPECT_TRUE(left->contains("seq"));
    }
    for (auto* tab : {grace_ws.get(), grace_second_tab.get()}) {
        auto closed = tab->wait_closed();
        ASSERT_TRUE(closed);
        EXPECT_EQ(closed->code, 1000);
        EXPECT_EQ(closed->reason, "removed");
    }
    auto state = api().room_state(ada);
    EXPECT_EQ(state["members"].size(), 2u);
    EXPECT_EQ(state["call"]["participants"].size(), 1u);

    // Refused as revoked everywhere, locked room or not.
    auto revoked = api().state(ada.code, bearer(grace.token));
    EXPECT_TRUE(is_error(revoked, 401, "token_revoked"));
    EXPECT_EQ(revoked.json()["error"]["message"], "You were removed from this room");
    EXPECT_TRUE(is_error(api().join(ada.code, "{}", bearer(grace.token)), 401, "token_revoked"));
    ada_ws->send("room:lock", {{"locked", true}});
    ASSERT_TRUE(ada_ws->next_of_type("room:updated"));
    EXPECT_TRUE(is_error(api().join(ada.code, "{}", bearer(grace.token)), 401, "token_revoked"));
    auto again = connect();
    again->send("room:join", {{"token", grace.token}}, "back");
    EXPECT_TRUE(is_ws_error(again->next(), "token_revoked", "back"));
}

TEST_F(RoomControlsTest, OnlyTheCreatorRemovesAndOnlySomeoneElseInTheRoom) {
    auto other = api().create_room("Eve");
    grace_ws->send("member:remove", {{"memberId", linus.member_id}}, 1);
    EXPECT_TRUE(is_ws_error(grace_ws->next(), "forbidden", 1));
    ada_ws->send("member:remove", {{"memberId", ada.member_id}}, 2);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", 2));
    ada_ws->send("member:remove", {{"memberId", other.member_id}}, 3);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", 3));
    ada_ws->send("member:remove", {{"memberId", "nobody"}}, 4);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", 4));
    ada_ws->send("member:remove", nlohmann::json::object(), 5);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", 5));
    EXPECT_TRUE(linus_ws->expect_silence());
    EXPECT_EQ(api().room_state(other)["members"].size(), 1u);
}

TEST_F(RoomControlsTest, RemovingOnePersonFromTwoSocketsAtOnceRemovesThemOnce) {
    auto ada_second_tab = join(ada);
    std::latch ready(3);
    auto remove_from = [&](ws_client& socket, int rid) {
        return std::async(std::launch::async, [&socket, &ready, rid, this] {
            ready.arrive_and_wait();
            socket.send("member:remove", {{"memberId", grace.member_id}}, rid);
        });
    };
    auto first = remove_from(*ada_ws, 1);
    auto second = remove_from(*ada_second_tab, 2);
    ready.arrive_and_wait();
    first.get();
    second.get();

    // Exactly one of the two is refused; the other is answered by the room's member:left.
    int refusals = 0;
    for (auto [socket, rid] : {std::pair{ada_ws.get(), 1}, std::pair{ada_second_tab.get(), 2}}) {
        std::optional<nlohmann::json> frame;
        while ((frame = socket->next(1s))) {
            if ((*frame)["type"] == "error") {
                EXPECT_TRUE(is_ws_error(frame, "bad_request", rid));
                ++refusals;
            }
        }
    }
    EXPECT_EQ(refusals, 1);
    auto left = linus_ws->next_of_type("member:left");
    ASSERT_TRUE(left);
    EXPECT_EQ((*left)["data"]["reason"], "removed");
    EXPECT_TRUE(linus_ws->expect_silence());  // one member:left, not two
    EXPECT_TRUE(grace_ws->wait_closed());
}

// ---- raised hands ----

TEST_F(RoomControlsTest, HandsGoUpAndDownAndTheCreatorLowersAnyone) {
    grace_ws->send("hand:raise", nlohmann::json::object(), "up");
    auto own = grace_ws->next();
    ASSERT_TRUE(is_event(own, "member:updated"));
    EXPECT_EQ((*own)["rid"], "up");
    const auto& member = (*own)["data"]["member"];
    EXPECT_EQ(keys_of(member),
              (std::set<std::string>{"id", "displayName", "joinedAt", "online", "handRaisedAt"}));
    EXPECT_EQ(member["id"], grace.member_id);
    EXPECT_EQ(member["online"], true);
    ASSERT_TRUE(parse_utc_time(member["handRaisedAt"]));
    auto heard = linus_ws->next();
    ASSERT_TRUE(is_event(heard, "member:updated"));
    EXPECT_EQ((*heard)["data"]["member"], member);
    EXPECT_EQ((*heard)["seq"], (*own)["seq"]);
    ASSERT_TRUE(ada_ws->next_of_type("member:updated"));

    // Raising it again keeps its time, and only Grace hears it.
    grace_ws->send("hand:raise", nlohmann::json::object(), "again");
    auto again = grace_ws->next();
    EXPECT_EQ((*again)["data"]["member"]["handRaisedAt"], member["handRaisedAt"]);
    EXPECT_FALSE(again->contains("seq"));
    EXPECT_TRUE(linus_ws->expect_silence());

    nlohmann::json grace_in_state;
    auto state = api().room_state(linus);
    for (const auto& m : state["members"]) {
        if (m["id"] == grace.member_id) grace_in_state = m;
    }
    EXPECT_EQ(grace_in_state["handRaisedAt"], member["handRaisedAt"]);

    linus_ws->send("hand:lower", {{"memberId", grace.member_id}}, "not yours");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "forbidden", "not yours"));
    ada_ws->send("hand:lower", {{"memberId", "nobody"}}, "who");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", "who"));
    ada_ws->send("hand:lower", {{"memberId", 7}}, "type");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", "type"));

    ada_ws->send("hand:lower", {{"memberId", grace.member_id}});
    for (auto* socket : {ada_ws.get(), grace_ws.get(), linus_ws.get()}) {
        auto lowered = socket->next_of_type("member:updated");
        ASSERT_TRUE(lowered);
        EXPECT_TRUE((*lowered)["data"]["member"]["handRaisedAt"].is_null());
    }
    // Lowering a lowered hand (her own, so no memberId) answers her alone.
    grace_ws->send("hand:lower", nlohmann::json::object(), "down");
    auto down = grace_ws->next();
    ASSERT_TRUE(is_event(down, "member:updated"));
    EXPECT_FALSE(down->contains("seq"));
    EXPECT_TRUE(ada_ws->expect_silence());
}

TEST_F(RoomControlsTest, EveryNewEventIsNumberedInTheRoomsOrder) {
    auto before = api().room_state(ada)["seq"].get<std::int64_t>();
    struct step {
        ws_client* from;
        const char* type;
        nlohmann::json data;
        const char* event;
    } steps[] = {
        {ada_ws.get(), "chat:send", {{"text", "one"}}, "chat:message"},
        {ada_ws.get(), "room:lock", {{"locked", true}}, "room:updated"},
        {grace_ws.get(), "hand:raise", nlohmann::json::object(), "member:updated"},
        {ada_ws.get(), "member:remove", {{"memberId", grace.member_id}}, "member:left"},
    };
    auto expected = before;
    for (const auto& s : steps) {
        s.from->send(s.type, s.data);
        auto event = linus_ws->next_of_type(s.event);
        ASSERT_TRUE(event) << s.event;
        EXPECT_EQ((*event)["seq"], ++expected) << s.event;
    }
    EXPECT_EQ(api().room_state(ada)["seq"], expected);
}

}  // namespace
}  // namespace parlor::itest
