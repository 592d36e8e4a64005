// Several instances as one server: two `parlor` processes share a PostgreSQL database and a
// Redis (--redis-url) that the test starts. Presence, call events and the signaling relay
// cross instances; a leave closes the member's sockets on the other instance; a Redis
// restarted mid-test is survived; the members of an instance killed go offline within the
// presence bound, and one restarted drops nobody the other holds from their call.

#include "realtime_support.hpp"
#include "support/redis_server.hpp"
#include "support/test_database.hpp"

namespace parlor::itest {
namespace {

class RedisBusTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (auto* instance : {&first, &second}) {
            *instance = std::make_unique<parlor_process>(
                std::map<std::string, std::string>{{"--database-url", database.url()},
                                                   {"--redis-url", redis.url()},
                                                   {"--presence-ttl", std::to_string(ttl.count())},
                                                   {"--call-grace", "2"},
                                                   {"--token-secret", std::string(40, 't')}});
            (*instance)->start();
        }
        ada = parlor_client(first->port()).create_room("Ada");
        grace = parlor_client(second->port()).join_room(ada.code, "Grace");
    }
    void TearDown() override {
        if (!HasFailure()) return;
        for (auto* instance : {first.get(), second.get()}) {
            if (instance) std::cerr << "-------- parlor output --------\n" << instance->log();
        }
    }
    // A socket on `instance` that has joined as `who` and read its room:state.
    static std::unique_ptr<ws_client> joined(parlor_process& instance, const admission& who) {
        auto socket = std::make_unique<ws_client>(instance.port());
        socket->send("room:join", {{"token", who.token}});
        if (!is_event(socket->next_of_type("room:state"), "room:state"))
            throw std::runtime_error("no room:state for " + who.display_name);
        return socket;
    }
    // Waits until the instance's health says `bus` is `state`.
    static bool bus_becomes(parlor_process& instance, const std::string& state,
                            std::chrono::seconds within) {
        auto deadline = std::chrono::steady_clock::now() + within;
        do {
            auto health = parlor_client(instance.port()).health();
            auto body = nlohmann::json::parse(health.body, nullptr, false);
            if (body.is_object() && body["checks"]["bus"] == state) return true;
        } while (std::chrono::steady_clock::now() < deadline);
        return false;
    }

    // A claim is renewed every third of it: a member of an instance killed goes offline
    // within the time to live and one renewal interval.
    static constexpr std::chrono::seconds ttl{3};
    static constexpr auto offline_bound = ttl + ttl / 3;
    // Room for a loaded machine (sanitizers, parallel tests) over the bound.
    static constexpr auto slack = 5s;

    std::string call_of(const std::unique_ptr<ws_client>& starter,
                        const std::unique_ptr<ws_client>& joiner) {
        starter->send("call:start");
        auto started = joiner->next_of_type("call:started");
        if (!started) throw std::runtime_error("no call:started");
        auto call_id = (*started)["data"]["call"]["id"].get<std::string>();
        joiner->send("call:join", {{"callId", call_id}});
        if (!starter->next_of_type("call:participant-joined") ||
            !joiner->next_of_type("call:participant-joined"))
            throw std::runtime_error("no call:participant-joined");
        return call_id;
    }

    testing::test_database database{testing::database_kind::postgresql};
    testing::redis_server redis;
    std::unique_ptr<parlor_process> first, second;
    admission ada, grace;
};

TEST_F(RedisBusTest, HealthSaysTheBusIsConnected) {
    for (auto* instance : {first.get(), second.get()}) {
        ASSERT_TRUE(bus_becomes(*instance, "ok", 10s)) << instance->log();
        EXPECT_EQ(parlor_client(instance->port()).health().status, 200);
    }
}

// A Redis that refuses the password is not a healthy bus, though its port answers.
TEST(RedisBusPassword, AWrongPasswordIsAnErrorAndTheRightOneIsOk) {
    testing::redis_server redis("s3cret");
    auto port = std::to_string(redis.port());
    parlor_process wrong({{"--redis-url", "redis://:wrong@127.0.0.1:" + port}});
    wrong.start_listening();
    ASSERT_TRUE(wrong.wait_for_log("bus_refused").has_value()) << wrong.log();
    auto health = parlor_client(wrong.port()).health();
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_EQ(nlohmann::json::parse(health.body)["checks"]["bus"], "error") << health.body;
    EXPECT_EQ(wrong.log().find("s3cret"), std::string::npos);
    EXPECT_EQ(wrong.log().find(":wrong@"), std::string::npos) << "the password was logged";

    parlor_process right({{"--redis-url", redis.url()}});
    right.start();  // waits for a healthy /api/health: the bus is ok
    EXPECT_EQ(nlohmann::json::parse(parlor_client(right.port()).health().body)["checks"]["bus"],
              "ok");
}

TEST_F(RedisBusTest, PresenceCallEventsAndSignalsCrossInstances) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = joined(*second, grace);
    auto arrived = ada_ws->next_of_type("member:joined");
    ASSERT_TRUE(arrived.has_value()) << "Grace's arrival on the other instance did not reach Ada";
    EXPECT_EQ((*arrived)["data"]["member"]["id"], grace.member_id);

    ada_ws->send("call:start");
    auto started = grace_ws->next_of_type("call:started");
    ASSERT_TRUE(started.has_value());
    auto call_id = (*started)["data"]["call"]["id"].get<std::string>();
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-joined"));

    // Every signal arrives once, in the order it was sent, at the other instance's socket.
    constexpr int signals = 100;
    for (int i = 0; i < signals; ++i) {
        ada_ws->send(
            "signal:ice",
            {{"to", grace.member_id},
             {"callId", call_id},
             {"candidate",
              {{"candidate", "c" + std::to_string(i)}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}}}});
    }
    for (int i = 0; i < signals; ++i) {
        auto ice = grace_ws->next_of_type("signal:ice");
        ASSERT_TRUE(ice.has_value()) << "signal " << i << " did not arrive";
        ASSERT_EQ((*ice)["data"]["candidate"]["candidate"], "c" + std::to_string(i));
        ASSERT_EQ((*ice)["data"]["from"], ada.member_id);
    }
    EXPECT_TRUE(grace_ws->expect_silence());
    EXPECT_TRUE(ada_ws->expect_silence());  // nothing came back to the sender
}

// Online while any instance holds a socket of theirs: the snapshot on one instance shows
// who is on the other, and a member with sockets on both goes offline with their last.
TEST_F(RedisBusTest, PresenceIsOneAcrossInstances) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = std::make_unique<ws_client>(second->port());
    grace_ws->send("room:join", {{"token", grace.token}});
    auto state = grace_ws->next_of_type("room:state");
    ASSERT_TRUE(state.has_value());
    for (const auto& member : (*state)["data"]["members"]) {
        EXPECT_TRUE(member["online"].get<bool>())
            << member.dump() << " seen from the other instance";
    }
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));
    auto rest = parlor_client(second->port()).state(ada.code, bearer(ada.token));
    auto members = nlohmann::json::parse(rest.body)["members"];
    ASSERT_EQ(members.size(), 2u);
    for (const auto& member : members) EXPECT_TRUE(member["online"].get<bool>()) << member.dump();

    // Ada opens a second tab, on the other instance: nobody hears of her coming online again,
    // nor of her going when her first tab closes.
    auto ada_tab = joined(*second, ada);
    ada_ws->close();
    EXPECT_TRUE(grace_ws->expect_silence(1s));
    ada_tab->close();
    auto left = grace_ws->next_of_type("member:left");
    ASSERT_TRUE(left.has_value()) << "Ada's last socket went, and nobody heard";
    EXPECT_EQ((*left)["data"]["memberId"], ada.member_id);
    EXPECT_EQ((*left)["data"]["reason"], "offline");
}

TEST_F(RedisBusTest, TheMembersOfAKilledInstanceGoOfflineWithinTheBound) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = joined(*second, grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));
    auto call_id = call_of(grace_ws, ada_ws);

    first->kill();
    auto left = grace_ws->next_of_type("member:left", offline_bound + slack);
    ASSERT_TRUE(left.has_value()) << "Ada still online after her instance died";
    EXPECT_EQ((*left)["data"]["memberId"], ada.member_id);
    EXPECT_EQ((*left)["data"]["reason"], "offline");
    // Then her call grace (2 s) runs out on the instance that saw her go.
    auto dropped = grace_ws->next_of_type("call:participant-left", 2s + slack);
    ASSERT_TRUE(dropped.has_value()) << second->log();
    EXPECT_EQ((*dropped)["data"]["memberId"], ada.member_id);
    EXPECT_EQ((*dropped)["data"]["reason"], "dropped");
    EXPECT_EQ((*dropped)["data"]["callId"], call_id);
}

// A restarted instance gives everyone in a call the grace period; those online on the other
// instance keep their place when it ends.
TEST_F(RedisBusTest, ARestartedInstanceDropsNobodyTheOtherHolds) {
    auto ada_ws = joined(*second, ada);
    auto grace_ws = joined(*second, grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));
    auto call_id = call_of(ada_ws, grace_ws);

    first->kill_and_restart();
    for (const auto& who : {ada, grace}) {
        auto ended =
            first->wait_for_log("\"member\":\"" + who.member_id + "\",\"online\":true", 2s + slack);
        ASSERT_TRUE(ended.has_value()) << who.display_name << "'s grace did not end as online\n"
                                       << first->log();
    }
    EXPECT_TRUE(grace_ws->expect_silence()) << "someone was dropped from the call";
    auto rest = parlor_client(second->port()).state(ada.code, bearer(ada.token));
    auto call = nlohmann::json::parse(rest.body)["call"];
    ASSERT_TRUE(call.is_object()) << rest.body;
    EXPECT_EQ(call["id"], call_id);
    EXPECT_EQ(call["participants"].size(), 2u) << call.dump();
}

TEST_F(RedisBusTest, ALeaveOnOneInstanceClosesTheMembersSocketsOnTheOther) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = joined(*second, grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));

    ASSERT_EQ(parlor_client(first->port()).leave(grace.code, bearer(grace.token)).status, 204);
    auto closed = grace_ws->wait_closed(10s);
    ASSERT_TRUE(closed.has_value()) << "Grace's socket on the other instance stayed open";
    EXPECT_EQ(closed->code, 1000);
    auto left = ada_ws->next_of_type("member:left");
    ASSERT_TRUE(left.has_value());
    EXPECT_EQ((*left)["data"]["memberId"], grace.member_id);
}

// Removal crosses instances too: the sockets close with the reason "removed", and a chat
// message and a raised hand on one instance reach the other with the sender's rid left home.
TEST_F(RedisBusTest, ChatHandsAndRemovalCrossInstances) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = joined(*second, grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));

    grace_ws->send("chat:send", {{"text", "hello from the second"}}, "g1");
    auto heard = ada_ws->next_of_type("chat:message", 10s);
    ASSERT_TRUE(heard.has_value());
    EXPECT_EQ((*heard)["data"]["message"]["text"], "hello from the second");
    EXPECT_FALSE(heard->contains("rid"));
    grace_ws->send("hand:raise");
    auto hand = ada_ws->next_of_type("member:updated", 10s);
    ASSERT_TRUE(hand.has_value());
    EXPECT_TRUE((*hand)["data"]["member"]["handRaisedAt"].is_string());

    ada_ws->send("member:remove", {{"memberId", grace.member_id}});
    auto closed = grace_ws->wait_closed(10s);
    ASSERT_TRUE(closed.has_value()) << "Grace's socket on the other instance stayed open";
    EXPECT_EQ(closed->code, 1000);
    EXPECT_EQ(closed->reason, "removed");
    EXPECT_TRUE(is_error(parlor_client(second->port()).state(grace.code, bearer(grace.token)), 401,
                         "token_revoked"));
}

TEST_F(RedisBusTest, ARedisRestartIsSurvived) {
    auto ada_ws = joined(*first, ada);
    auto grace_ws = joined(*second, grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));
    ASSERT_TRUE(bus_becomes(*first, "ok", 10s));

    redis.stop();
    ASSERT_TRUE(bus_becomes(*first, "error", 10s));
    EXPECT_EQ(parlor_client(first->port()).health().status, 503);

    redis.start();
    ASSERT_TRUE(bus_becomes(*first, "ok", 20s)) << first->log();
    ASSERT_TRUE(bus_becomes(*second, "ok", 20s)) << second->log();
    // Events may have been lost meanwhile: the sockets were told to reconnect and resync.
    for (auto* socket : {ada_ws.get(), grace_ws.get()}) {
        auto closed = socket->wait_closed(10s);
        ASSERT_TRUE(closed.has_value());
        EXPECT_EQ(closed->code, 1012);
    }
    ada_ws = joined(*first, ada);
    grace_ws = joined(*second, grace);
    ada_ws->send("call:start");
    EXPECT_TRUE(grace_ws->next_of_type("call:started", 10s)) << "events no longer cross";
}

}  // namespace
}  // namespace parlor::itest
