// bus::local_presence (the sockets of one process) and bus::redis_presence (every
// instance's, through a real Redis the test starts): who came online, who went offline,
// and the members of an instance that died.

#include "bus/redis_presence.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "support/redis_server.hpp"

namespace parlor::bus {
namespace {

using namespace std::chrono_literals;

TEST(LocalPresence, AMemberIsOnlineFromTheirFirstSocketUntilTheirLast) {
    local_presence here;
    EXPECT_FALSE(here.online("room-1", "ada"));
    EXPECT_TRUE(here.attach("room-1", "ada"));
    EXPECT_FALSE(here.attach("room-1", "ada"));  // a second tab
    EXPECT_TRUE(here.online("room-1", "ada"));
    EXPECT_FALSE(here.online("room-2", "ada"));
    EXPECT_FALSE(here.detach("room-1", "ada"));
    EXPECT_TRUE(here.online("room-1", "ada"));
    EXPECT_TRUE(here.detach("room-1", "ada"));
    EXPECT_FALSE(here.online("room-1", "ada"));
    EXPECT_FALSE(here.detach("room-1", "ada"));  // nothing left to detach
    EXPECT_TRUE(here.online_in("room-1").empty());
}

TEST(LocalPresence, AReconnectsNewSocketMayArriveBeforeTheOldOneGoes) {
    local_presence here;
    EXPECT_TRUE(here.attach("room-1", "ada"));
    EXPECT_FALSE(here.attach("room-1", "ada"));  // the new socket, first
    EXPECT_FALSE(here.detach("room-1", "ada"));  // then the old one's close
    EXPECT_TRUE(here.online("room-1", "ada"));
}

class RedisPresenceTest : public ::testing::Test {
  protected:
    std::unique_ptr<redis_presence> instance(const std::string& id,
                                             std::chrono::milliseconds ttl = 30s) {
        return std::make_unique<redis_presence>(redis_location::parse(redis.url()), id, ttl);
    }
    // Calls maintain() on `reaper` until it reports someone or `within` has passed.
    static std::vector<presence::member_in_room> reaped(presence& reaper,
                                                        std::chrono::milliseconds within) {
        auto deadline = std::chrono::steady_clock::now() + within;
        for (;;) {
            auto gone = reaper.maintain();
            if (!gone.empty() || std::chrono::steady_clock::now() > deadline) return gone;
            std::this_thread::sleep_for(20ms);  // polling Redis, not waiting in its place
        }
    }

    testing::redis_server redis;
};

TEST_F(RedisPresenceTest, OnlineWhileAnyInstanceHoldsThem) {
    auto first = instance("i1"), second = instance("i2");
    EXPECT_TRUE(first->attach("room-1", "ada"));
    EXPECT_FALSE(second->attach("room-1", "ada")) << "she was online already, on the first";
    EXPECT_TRUE(second->attach("room-1", "grace"));
    EXPECT_EQ(first->online_in("room-1"), (std::unordered_set<std::string>{"ada", "grace"}));
    EXPECT_TRUE(first->online_in("room-2").empty());

    EXPECT_FALSE(first->detach("room-1", "ada")) << "her tab on the second is still open";
    EXPECT_TRUE(second->online("room-1", "ada"));
    EXPECT_TRUE(second->detach("room-1", "ada"));
    EXPECT_FALSE(first->online("room-1", "ada"));
    EXPECT_TRUE(first->online("room-1", "grace"));
}

TEST_F(RedisPresenceTest, TheMembersOfAnInstanceThatStopsClaimingAreReapedOnce) {
    auto survivor = instance("i1", 300ms), other = instance("i3", 300ms);
    {
        auto doomed = instance("i2", 300ms);
        EXPECT_TRUE(doomed->attach("room-1", "ada"));
        EXPECT_TRUE(doomed->attach("room-1", "grace"));
        EXPECT_FALSE(survivor->attach("room-1", "grace"));  // Grace has a tab here too
    }                                                       // gone without a word, as after SIGKILL
    EXPECT_TRUE(survivor->online("room-1", "ada")) << "offline before her claim expired";

    auto gone = reaped(*survivor, 5s);
    ASSERT_EQ(gone.size(), 1u) << "only Ada is left with no instance";
    EXPECT_EQ(gone[0], (presence::member_in_room{"room-1", "ada"}));
    EXPECT_EQ(survivor->online_in("room-1"), (std::unordered_set<std::string>{"grace"}));
    EXPECT_TRUE(other->maintain().empty()) << "a member reaped twice";
}

TEST_F(RedisPresenceTest, ClaimsKeptUpOutliveTheirTimeToLive) {
    auto keeper = instance("i1", 300ms), watcher = instance("i2", 300ms);
    EXPECT_TRUE(keeper->attach("room-1", "ada"));
    auto until = std::chrono::steady_clock::now() + 1s;  // over three times the time to live
    while (std::chrono::steady_clock::now() < until) {
        EXPECT_TRUE(keeper->maintain().empty());
        EXPECT_TRUE(watcher->maintain().empty()) << "a member whose instance renews was reaped";
        std::this_thread::sleep_for(keeper->maintenance_interval());
    }
    EXPECT_TRUE(watcher->online("room-1", "ada"));
}

TEST_F(RedisPresenceTest, WithoutRedisItAnswersFromItsOwnSocketsAndClaimsThemWhenBack) {
    auto first = instance("i1"), second = instance("i2");
    EXPECT_TRUE(first->attach("room-1", "ada"));
    redis.stop();
    EXPECT_TRUE(first->attach("room-1", "grace"));  // no Redis to ask: first here is first
    EXPECT_EQ(first->online_in("room-1"), (std::unordered_set<std::string>{"ada", "grace"}));

    redis.start();  // empty: it forgot Ada too
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (second->online_in("room-1").size() < 2 && std::chrono::steady_clock::now() < deadline) {
        first->maintain();  // reconnects once its retry interval has passed
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(second->online_in("room-1"), (std::unordered_set<std::string>{"ada", "grace"}));
}

}  // namespace
}  // namespace parlor::bus
