// Parlor on PostgreSQL (--database-url postgresql://…): instances that share one database,
// as several behind a load balancer do, and a database that goes away and comes back.
// (ctest also runs the room, call and file suites against PostgreSQL: "postgres." tests.)

#include <latch>
#include <thread>

#include "realtime_support.hpp"
#include "support/test_database.hpp"

namespace parlor::itest {
namespace {

// Two servers on one PostgreSQL database, with one token secret (as every instance of a
// deployment must have). Without an event bus, each one's sockets hear only the events of
// that instance; what they share is the store and its rules.
class PostgresTwoInstancesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (auto* instance : {&first, &second}) {
            *instance = std::make_unique<parlor_process>(std::map<std::string, std::string>{
                {"--database-url", database.url()}, {"--token-secret", std::string(40, 't')}});
            (*instance)->start();
        }
    }
    void TearDown() override {
        if (!HasFailure()) return;
        for (auto* instance : {first.get(), second.get()}) {
            if (instance) std::cerr << "-------- parlor output --------\n" << instance->log();
        }
    }

    testing::test_database database{testing::database_kind::postgresql};
    std::unique_ptr<parlor_process> first, second;
};

TEST_F(PostgresTwoInstancesTest, ARoomMadeOnOneInstanceIsJoinedAndSeenOnTheOther) {
    parlor_client one(first->port()), two(second->port());
    auto ada = one.create_room("Ada");
    auto grace = two.join_room(ada.code, "Grace");
    auto state = one.room_state(grace);  // Grace's token works on the other instance too
    ASSERT_EQ(state["members"].size(), 2u) << state.dump();
    EXPECT_EQ(state["members"][1]["displayName"], "Grace");
}

TEST_F(PostgresTwoInstancesTest, StartsRacedOnTwoInstancesMakeExactlyOneCall) {
    parlor_client one(first->port()), two(second->port());
    auto ada = one.create_room("Ada");
    auto grace = two.join_room(ada.code, "Grace");
    auto joined = [](unsigned short port, const admission& who) {
        auto socket = std::make_unique<ws_client>(port);
        socket->send("room:join", {{"token", who.token}});
        if (!is_event(socket->next_of_type("room:state"), "room:state"))
            throw std::runtime_error("no room:state for " + who.display_name);
        return socket;
    };
    auto ada_ws = joined(first->port(), ada);
    auto grace_ws = joined(second->port(), grace);
    struct contender {
        ws_client* socket;
        const admission* who;
    };
    contender contenders[] = {{ada_ws.get(), &ada}, {grace_ws.get(), &grace}};

    for (int round = 0; round < 20; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        send_at_once({contenders[0].socket, contenders[1].socket}, "call:start", round);

        // Each socket's answer: call:started (the winner's) or call_active (the loser's).
        const contender* winner = nullptr;
        int refused = 0;
        std::string call_id;
        for (auto& c : contenders) {
            auto answer = c.socket->next(10s);
            ASSERT_TRUE(answer.has_value()) << c.who->display_name << " got no answer";
            if ((*answer)["type"] == "call:started") {
                ASSERT_EQ(winner, nullptr) << "two calls started: " << shown(*answer);
                EXPECT_EQ((*answer)["data"]["call"]["startedBy"], c.who->member_id);
                winner = &c;
                call_id = (*answer)["data"]["call"]["id"];
            } else {
                ASSERT_TRUE(is_ws_error(answer, "call_active", round));
                ++refused;
            }
        }
        ASSERT_NE(winner, nullptr) << "both were refused";
        EXPECT_EQ(refused, 1);
        // Both instances read the one call from the database.
        for (auto* api : {&one, &two}) {
            auto call = api->room_state(ada)["call"];
            ASSERT_TRUE(call.is_object()) << call.dump();
            EXPECT_EQ(call["id"], call_id);
            EXPECT_EQ(call["participants"].size(), 1u);
        }
        winner->socket->send("call:end", {{"callId", call_id}});
        ASSERT_TRUE(is_event(winner->socket->next_of_type("call:ended"), "call:ended"));
    }
}

// The database stops under a running server: health says so with 503 and `db` failing,
// requests get the protocol's `unavailable` (503), and when the database is back the
// server serves again without a restart.
TEST(PostgresOutageTest, ADatabaseThatGoesAwayGives503AndTheServerComesBackWithIt) {
    testing::postgres_server postgres;
    testing::test_database database(postgres);
    parlor_process server({{"--database-url", database.url()}});
    server.start();
    parlor_client api(server.port());
    auto ada = api.create_room("Ada");

    postgres.halt();
    auto health = api.health();
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_EQ(health.json()["checks"]["db"], "error") << health.body;
    EXPECT_TRUE(is_error(api.create(name_body("Grace")), 503, "unavailable"));
    auto refused = api.join(ada.code, name_body("Grace"));
    EXPECT_TRUE(is_error(refused, 503, "unavailable"));
    EXPECT_EQ(refused.body.find("PostgreSQL"), std::string::npos) << "internals leaked";
    EXPECT_TRUE(server.running());

    postgres.resume();
    EXPECT_TRUE(server.wait_until_healthy(30s)) << server.log();
    auto grace = api.join_room(ada.code, "Grace");
    EXPECT_EQ(api.room_state(grace)["members"].size(), 2u);
    EXPECT_NE(server.log().find("reconnecting"), std::string::npos);
}

}  // namespace
}  // namespace parlor::itest
