// Several instances as one server: two `parlor` processes share a PostgreSQL database and a
// Redis (--redis-url) that the test starts. Presence, call events and the signaling relay
// cross instances; a leave closes the member's sockets on the other instance; a Redis
// restarted mid-test is survived.

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
