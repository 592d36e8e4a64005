// The WebSocket's front door (protocol.md, "WebSocket"): the upgrade and its Origin check,
// room:join first, room:state, presence (member:joined / member:left) and room:leave.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "realtime_support.hpp"
#include "tokens.hpp"

namespace parlor::itest {
namespace {

// A TCP port that nothing listens on right now.
unsigned short free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

class RealtimeRoomTest : public realtime_test {
  protected:
    std::string server_secret() { return token_secret_of(server().data_dir()); }

    // The member `id` as listed in a room snapshot.
    static nlohmann::json member_in(const nlohmann::json& snapshot, const std::string& id) {
        for (const auto& m : snapshot["members"]) {
            if (m["id"] == id) return m;
        }
        return nullptr;
    }
};

// ---- room:join ----

TEST_F(RealtimeRoomTest, JoinIsAnsweredWithRoomStateEchoingTheRid) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = connect();

    ASSERT_TRUE(socket->send("room:join", {{"token", ada.token}}, "join-1"));
    auto reply = socket->next();

    ASSERT_TRUE(is_event(reply, "room:state"));
    EXPECT_EQ((*reply)["rid"], "join-1");
    const auto& state = (*reply)["data"];
    EXPECT_EQ(keys_of(state),
              (std::set<std::string>{"room", "self", "members", "call", "files", "iceServers",
                                     "iceTransportPolicy", "callCapacity", "seq", "messages",
                                     "blockedFileTypes"}));
    EXPECT_EQ(keys_of(state["room"]),
              (std::set<std::string>{"id", "code", "createdAt", "createdBy", "locked"}));
    EXPECT_EQ(state["room"]["id"], ada.room_id);
    EXPECT_EQ(state["room"]["code"], ada.code);
    EXPECT_EQ(state["room"]["createdAt"], ada.body["room"]["createdAt"]);
    EXPECT_EQ(state["room"]["createdBy"], ada.member_id);
    EXPECT_EQ(state["self"], ada.member_id);
    ASSERT_EQ(state["members"].size(), 2u) << state["members"];
    auto ada_entry = member_in(state, ada.member_id),
         grace_entry = member_in(state, grace.member_id);
    EXPECT_EQ(keys_of(ada_entry),
              (std::set<std::string>{"id", "displayName", "joinedAt", "online", "handRaisedAt"}));
    EXPECT_EQ(ada_entry["displayName"], "Ada");
    EXPECT_TRUE(parse_utc_time(ada_entry["joinedAt"]).has_value()) << ada_entry;
    EXPECT_EQ(ada_entry["online"], true);  // this very socket
    EXPECT_EQ(grace_entry["displayName"], "Grace");
    EXPECT_EQ(grace_entry["online"], false);
    EXPECT_TRUE(state["call"].is_null());
    EXPECT_EQ(state["files"], nlohmann::json::array());
    EXPECT_EQ(state["iceServers"], nlohmann::json::array());
    EXPECT_EQ(state["iceTransportPolicy"], "all");
    EXPECT_EQ(state["callCapacity"], 6);

    // The REST snapshot says the same.
    EXPECT_EQ(api().room_state(ada), state);
}

TEST_F(RealtimeRoomTest, ANumericRidIsEchoedAndNoRidMeansNone) {
    auto ada = api().create_room("Ada");
    auto with_number = connect();
    auto without = connect();

    with_number->send("room:join", {{"token", ada.token}}, 42);
    without->send("room:join", {{"token", ada.token}});

    auto numbered = with_number->next();
    ASSERT_TRUE(is_event(numbered, "room:state"));
    EXPECT_EQ((*numbered)["rid"], 42);
    auto plain = without->next();
    ASSERT_TRUE(is_event(plain, "room:state"));
    EXPECT_FALSE(plain->contains("rid")) << shown(*plain);
}

TEST_F(RealtimeRoomTest, BadExpiredAndLeftTokensAreUnauthorized) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    ASSERT_EQ(api().leave(ada.code, bearer(grace.token)).status, 204);
    auto now = unix_now();
    auto expired = make_jwt(
        {{"sub", ada.member_id}, {"room", ada.room_id}, {"iat", now - 7200}, {"exp", now - 5}},
        server_secret());
    auto wrong_key =
        make_jwt({{"sub", ada.member_id}, {"room", ada.room_id}, {"iat", now}, {"exp", now + 3600}},
                 std::string(48, 'k'));
    auto socket = connect();

    const std::pair<const char*, std::string> tokens[] = {
        {"garbage", "not-a-token"},
        {"an empty token", ""},
        {"an expired token", expired},
        {"a forged token", wrong_key},
        {"a token of a member who left", grace.token}};
    int rid = 0;
    for (const auto& [what, token] : tokens) {
        SCOPED_TRACE(what);
        socket->send("room:join", {{"token", token}}, ++rid);
        EXPECT_TRUE(is_ws_error(socket->next(), "unauthorized", rid));
    }
    socket->send("room:join", {}, "no-token");  // no token, as a bad one (protocol.md)
    EXPECT_TRUE(is_ws_error(socket->next(), "unauthorized", "no-token"));

    // Still not joined: other frames are refused; still open: a good token joins.
    socket->send("call:start", {}, "early");
    EXPECT_TRUE(is_ws_error(socket->next(), "unauthorized", "early"));
    socket->send("room:join", {{"token", ada.token}});
    EXPECT_TRUE(is_event(socket->next(), "room:state"));
}

TEST_F(RealtimeRoomTest, AnyOtherFirstFrameIsUnauthorized) {
    auto ada = api().create_room("Ada");
    auto socket = connect();

    for (const char* type : {"call:start", "room:leave", "signal:offer", "no:such-type"}) {
        SCOPED_TRACE(type);
        socket->send(type, {}, std::string("rid-") + type);
        auto reply = socket->next();
        ASSERT_TRUE(is_ws_error(reply, "unauthorized", std::string("rid-") + type));
        EXPECT_EQ((*reply)["data"]["message"], "Send room:join first");
    }
    EXPECT_TRUE(socket->is_open());
    socket->send("room:join", {{"token", ada.token}});
    EXPECT_TRUE(is_event(socket->next(), "room:state"));
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());  // the early call:start did nothing
}

// The socket's clocks, shortened (by default: 10 s to join, a ping every 15 s, dropped after
// 45 s of silence).
class RealtimeSocketClockTest : public RealtimeRoomTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {
            {"--ws-join-deadline", "2"}, {"--ws-ping-interval", "1"}, {"--ws-silence-limit", "3"}};
    }
};

TEST_F(RealtimeSocketClockTest, ASocketThatNeverJoinsIsClosedWithPolicyAtTheJoinDeadline) {
    auto ada = api().create_room("Ada");
    auto joined = join(ada);
    auto silent = connect();
    auto opened = std::chrono::steady_clock::now();

    auto closure = silent->wait_closed(10s);

    ASSERT_TRUE(closure.has_value()) << "still open 10 s after the 2 s deadline";
    auto after = std::chrono::steady_clock::now() - opened;
    EXPECT_TRUE(closure->close_frame) << closure->describe();
    EXPECT_EQ(closure->code, 1008) << closure->describe();
    EXPECT_GE(after, 1500ms);
    // The socket that joined is not affected.
    EXPECT_TRUE(joined->is_open());
    joined->send("room:join", {{"token", ada.token}}, "still-here");
    auto reply = joined->next();
    ASSERT_TRUE(is_event(reply, "room:state"));
    EXPECT_EQ((*reply)["rid"], "still-here");
}

// A client that answers the pings stays however quiet it is; one that stops answering
// (its page frozen, its network gone without a FIN) is dropped, and the room is told.
TEST_F(RealtimeSocketClockTest, ASocketThatStopsAnsweringPingsIsDroppedAndTheRoomTold) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_socket = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));

    // From here on nothing reads Grace's socket, so her pongs stop; Ada's client answers
    // every ping while it waits.
    auto left = ada_socket->next(8s);
    ASSERT_TRUE(is_event(left, "member:left")) << "Grace's silent socket was not dropped";
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{{"memberId", grace.member_id}, {"reason", "offline"}}));
    EXPECT_TRUE(ada_socket->expect_silence(1500ms));  // Ada herself stays, quiet for 4 s+
    EXPECT_TRUE(ada_socket->is_open());
    EXPECT_EQ(member_in(api().room_state(ada), grace.member_id)["online"], false);
    EXPECT_EQ(member_in(api().room_state(ada), ada.member_id)["online"], true);
    auto closure = grace_socket->wait_closed(2s);
    ASSERT_TRUE(closure.has_value());
    EXPECT_FALSE(closure->close_frame) << "a silent peer is dropped without a close handshake";
}

TEST_F(RealtimeRoomTest, JoiningAgainOnTheSameSocket) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = join(ada);

    socket->send("room:join", {{"token", ada.token}}, "again");
    auto again = socket->next();
    ASSERT_TRUE(is_event(again, "room:state"));
    EXPECT_EQ((*again)["rid"], "again");
    EXPECT_EQ((*again)["data"]["self"], ada.member_id);

    socket->send("room:join", {{"token", grace.token}}, "as-grace");
    EXPECT_TRUE(is_ws_error(socket->next(), "bad_request", "as-grace"));
    EXPECT_EQ(member_in(api().room_state(ada), grace.member_id)["online"], false);
}

// ---- the token's lifetime ----

// A socket lives no longer than the token it joined with (issue 11): at the token's expiry
// the server closes it with 1008 "token expired". Joining again with that token is
// unauthorized, so a client goes back to a fresh join rather than reconnecting in a loop.
class RealtimeShortTokenTest : public RealtimeRoomTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--token-ttl", "2"}};
    }
};

TEST_F(RealtimeShortTokenTest, ASocketClosesWhenItsTokenExpires) {
    auto ada = api().create_room("Ada");
    auto expires_at = ada.body["expiresAt"];
    auto socket = join(ada);

    auto closure = socket->wait_closed(5s);

    ASSERT_TRUE(closure.has_value()) << "still open after the token expired";
    EXPECT_TRUE(closure->close_frame) << closure->describe();
    EXPECT_EQ(closure->code, 1008) << closure->describe();
    EXPECT_EQ(closure->reason, "token expired");
    auto early = seconds_from_now(expires_at);
    ASSERT_TRUE(early.has_value());
    EXPECT_LE(*early, 0.05) << "closed before the token's expiry";
    auto again = connect();
    again->send("room:join", {{"token", ada.token}}, "again");
    EXPECT_TRUE(is_ws_error(again->next(), "unauthorized", "again"));
}

// A room:join with a newer token (from a REST rejoin) moves the socket's end to that
// token's expiry.
TEST_F(RealtimeRoomTest, JoiningAgainWithANewerTokenKeepsTheSocketOpen) {
    auto ada = api().create_room("Ada");
    auto now = unix_now();
    auto short_lived =
        make_jwt({{"sub", ada.member_id}, {"room", ada.room_id}, {"iat", now}, {"exp", now + 2}},
                 server_secret());
    auto socket = connect();
    socket->send("room:join", {{"token", short_lived}});
    ASSERT_TRUE(is_event(socket->next(), "room:state"));

    socket->send("room:join", {{"token", ada.token}}, "renewed");
    ASSERT_TRUE(is_event(socket->next(), "room:state"));

    EXPECT_TRUE(socket->expect_silence(3s));  // past the first token's expiry
    EXPECT_TRUE(socket->is_open());
}

// ---- presence ----

TEST_F(RealtimeRoomTest, AMembersFirstSocketAnnouncesThemToTheOthers) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);

    auto grace_socket = join(grace);

    auto joined = ada_socket->next();
    ASSERT_TRUE(is_event(joined, "member:joined"));
    const auto& member = (*joined)["data"]["member"];
    EXPECT_EQ(keys_of((*joined)["data"]), std::set<std::string>{"member"});
    EXPECT_EQ(keys_of(member),
              (std::set<std::string>{"id", "displayName", "joinedAt", "online", "handRaisedAt"}));
    EXPECT_EQ(member["id"], grace.member_id);
    EXPECT_EQ(member["displayName"], "Grace");
    EXPECT_EQ(member["online"], true);
    auto rest_state = api().room_state(ada);
    EXPECT_EQ(member, member_in(rest_state, grace.member_id));
    EXPECT_TRUE(grace_socket->expect_silence());  // not told of herself
}

TEST_F(RealtimeRoomTest, OnlyTheFirstAndTheLastSocketOfAMemberAreNoticed) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto first = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));

    auto second = join(grace);  // another tab
    EXPECT_TRUE(ada_socket->expect_silence());

    first->close();
    EXPECT_TRUE(ada_socket->expect_silence());
    EXPECT_EQ(member_in(api().room_state(ada), grace.member_id)["online"], true);

    second->close();
    auto left = ada_socket->next();
    ASSERT_TRUE(is_event(left, "member:left"));
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{{"memberId", grace.member_id}, {"reason", "offline"}}));
    EXPECT_EQ(member_in(api().room_state(ada), grace.member_id)["online"], false);

    // Coming back is announced again.
    auto third = join(grace);
    auto back = ada_socket->next();
    ASSERT_TRUE(is_event(back, "member:joined"));
    EXPECT_EQ((*back)["data"]["member"]["id"], grace.member_id);
}

TEST_F(RealtimeRoomTest, ADroppedConnectionIsOfflineToo) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_socket = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));

    grace_socket->drop();

    auto left = ada_socket->next();
    ASSERT_TRUE(is_event(left, "member:left"));
    EXPECT_EQ((*left)["data"],
              (nlohmann::json{{"memberId", grace.member_id}, {"reason", "offline"}}));
}

// ---- room:leave ----

TEST_F(RealtimeRoomTest, RoomLeaveTellsTheOthersClosesTheLeaversSocketsAndEndsTheToken) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_tab1 = join(grace);
    auto grace_tab2 = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));

    grace_tab1->send("room:leave", {}, "bye");

    auto left = ada_socket->next();
    ASSERT_TRUE(is_event(left, "member:left"));
    EXPECT_EQ((*left)["data"], (nlohmann::json{{"memberId", grace.member_id}, {"reason", "left"}}));
    for (auto* tab : {grace_tab1.get(), grace_tab2.get()}) {
        auto closure = tab->wait_closed();
        ASSERT_TRUE(closure.has_value()) << "a socket of the leaver stayed open";
        EXPECT_TRUE(closure->close_frame) << closure->describe();
        EXPECT_EQ(closure->code, 1000) << closure->describe();
    }
    EXPECT_TRUE(ada_socket->expect_silence());  // no "offline" on top of "left"

    EXPECT_TRUE(is_error(api().state(ada.code, bearer(grace.token)), 401, "unauthorized"));
    auto state = api().room_state(ada);
    ASSERT_EQ(state["members"].size(), 1u) << state;
    EXPECT_EQ(state["members"][0]["id"], ada.member_id);
    auto again = connect();
    again->send("room:join", {{"token", grace.token}}, "back");
    EXPECT_TRUE(is_ws_error(again->next(), "unauthorized", "back"));
}

TEST_F(RealtimeRoomTest, RoomLeaveDuringACallLeavesTheCallFirst) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_socket = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));
    auto call_id = start_call(*grace_socket);
    ASSERT_TRUE(is_event(ada_socket->next(), "call:started"));

    grace_socket->send("room:leave");

    auto participant_left = ada_socket->next();
    ASSERT_TRUE(is_event(participant_left, "call:participant-left"));
    EXPECT_EQ(
        (*participant_left)["data"],
        (nlohmann::json{{"callId", call_id}, {"memberId", grace.member_id}, {"reason", "left"}}));
    auto ended = ada_socket->next();
    ASSERT_TRUE(is_event(ended, "call:ended"));
    EXPECT_EQ((*ended)["data"], (nlohmann::json{{"callId", call_id}, {"reason", "empty"}}));
    auto left = ada_socket->next();
    ASSERT_TRUE(is_event(left, "member:left"));
    EXPECT_EQ((*left)["data"]["reason"], "left");
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());
}

// POST …/leave is the same act as room:leave, so the room hears of it the same way, and
// the sockets the leaver still has open stop speaking for them.
TEST_F(RealtimeRoomTest, LeavingOverRestAlsoTellsTheRoomAndEndsTheLeaversSockets) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_socket = join(grace);
    ASSERT_TRUE(is_event(ada_socket->next(), "member:joined"));

    ASSERT_EQ(api().leave(ada.code, bearer(grace.token)).status, 204);

    auto left = ada_socket->next();
    EXPECT_TRUE(is_event(left, "member:left"));
    if (left) {
        EXPECT_EQ((*left)["data"],
                  (nlohmann::json{{"memberId", grace.member_id}, {"reason", "left"}}));
    }
    // Her socket may no longer act in the room: it is closed, or at the very least its
    // call:start is refused.
    grace_socket->send("call:start", {}, "after-leaving");
    auto reply = grace_socket->next();
    EXPECT_FALSE(is_event(reply, "call:started")) << shown(*reply);
    // ... and so is Ada, who would be told of the call.
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());
    EXPECT_TRUE(ada_socket->expect_silence());
}

// ---- the upgrade ----

TEST_F(RealtimeRoomTest, AGetWithoutUpgradeIs426) {
    auto r = api().call("GET", "/ws");

    EXPECT_TRUE(is_error(r, 426, "bad_request"));
}

TEST_F(RealtimeRoomTest, ACrossSiteOriginIsRefusedWith403BeforeTheUpgrade) {
    auto own_port = std::to_string(port());
    for (const auto& origin :
         {std::string("http://evil.example"), std::string("null"), std::string("http://127.0.0.1"),
          "https://127.0.0.1:" + own_port, "http://127.0.0.1:" + own_port + ".evil.example",
          "http://evil.example:" + own_port}) {
        SCOPED_TRACE(origin);
        auto refused = ws_client::refusal(port(), origin);
        ASSERT_TRUE(refused.has_value()) << "the upgrade was accepted";
        EXPECT_TRUE(is_error(*refused, 403, "forbidden"));
    }
    EXPECT_TRUE(still_serving());
}

TEST_F(RealtimeRoomTest, ASocketWithoutOriginIsAccepted) {
    auto ada = api().create_room("Ada");

    EXPECT_FALSE(ws_client::refusal(port()).has_value());
    auto socket = connect();
    socket->send("room:join", {{"token", ada.token}});
    EXPECT_TRUE(is_event(socket->next(), "room:state"));
}

// By default the server's own origins (localhost and 127.0.0.1 on its port) may connect.
TEST_F(RealtimeRoomTest, TheServersOwnOriginsAreAcceptedByDefault) {
    auto fixed = free_port();
    parlor_process on_fixed_port(
        std::map<std::string, std::string>{{"--port", std::to_string(fixed)}});
    on_fixed_port.start();
    auto p = on_fixed_port.port();
    ASSERT_EQ(p, fixed);

    for (auto origin :
         {"http://127.0.0.1:" + std::to_string(p), "http://localhost:" + std::to_string(p)}) {
        SCOPED_TRACE(origin);
        auto refused = ws_client::refusal(p, origin);
        EXPECT_FALSE(refused.has_value()) << refused->status << " " << refused->body;
    }
    for (auto origin :
         {"http://localhost:" + std::to_string(p + 1), std::string("http://evil.example")}) {
        SCOPED_TRACE(origin);
        auto refused = ws_client::refusal(p, origin);
        ASSERT_TRUE(refused.has_value());
        EXPECT_TRUE(is_error(*refused, 403, "forbidden"));
    }
}

// The same with --port 0: the allowed origins name the port the server ended up on.
TEST_F(RealtimeRoomTest, TheServersOwnOriginsAreAcceptedWithAPickedPort) {
    for (auto origin : {"http://127.0.0.1:" + std::to_string(port()),
                        "http://localhost:" + std::to_string(port())}) {
        SCOPED_TRACE(origin);
        auto refused = ws_client::refusal(port(), origin);
        EXPECT_FALSE(refused.has_value()) << refused->status << " " << refused->body;
    }
}

TEST_F(RealtimeRoomTest, WithAPublicOriginOnlyThatOriginIsAccepted) {
    parlor_process configured(
        std::map<std::string, std::string>{{"--public-origin", "https://meet.example.org"}});
    configured.start();
    auto p = configured.port();

    EXPECT_FALSE(ws_client::refusal(p, std::string("https://meet.example.org")).has_value());
    EXPECT_FALSE(ws_client::refusal(p).has_value());
    for (auto origin :
         {std::string("http://meet.example.org"),
          std::string("https://meet.example.org.evil.example"), std::string("https://evil.example"),
          "http://127.0.0.1:" + std::to_string(p), "http://localhost:" + std::to_string(p)}) {
        SCOPED_TRACE(origin);
        auto refused = ws_client::refusal(p, origin);
        ASSERT_TRUE(refused.has_value()) << "the upgrade was accepted";
        EXPECT_TRUE(is_error(*refused, 403, "forbidden"));
    }
}

}  // namespace
}  // namespace parlor::itest
