#include "net/connection_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parlor::net {
namespace {

TEST(ConnectionLimiter, RefusesPastTheLimitPerClient) {
    connection_limiter limits(100, 2);
    auto first = limits.try_open("192.0.2.1");
    auto second = limits.try_open("192.0.2.1");
    ASSERT_TRUE(first.slot);
    ASSERT_TRUE(second.slot);
    auto third = limits.try_open("192.0.2.1");
    EXPECT_FALSE(third.slot);
    EXPECT_EQ(third.refused, connection_refusal::client_full);
    // Another client is not affected.
    EXPECT_TRUE(limits.try_open("192.0.2.2").slot);
    // A slot given back makes room again.
    first.slot = {};
    EXPECT_TRUE(limits.try_open("192.0.2.1").slot);
}

TEST(ConnectionLimiter, RefusesPastTheTotal) {
    connection_limiter limits(3, 0);  // no limit per client
    std::vector<connection_slot> open;
    for (int i = 0; i < 3; ++i) open.push_back(std::move(limits.try_open("192.0.2.1").slot));
    EXPECT_EQ(limits.open_connections(), 3u);
    auto refused = limits.try_open("192.0.2.9");
    EXPECT_EQ(refused.refused, connection_refusal::server_full);
    // A trusted proxy is exempt from the per-client limit, never from the total.
    EXPECT_EQ(limits.try_open("").refused, connection_refusal::server_full);
    open.pop_back();
    EXPECT_EQ(limits.open_connections(), 2u);
    EXPECT_TRUE(limits.try_open("192.0.2.9").slot);
}

TEST(ConnectionLimiter, AProxyCountsOnlyInTheTotal) {
    connection_limiter limits(10, 1);
    auto a = limits.try_open("");
    auto b = limits.try_open("");
    EXPECT_TRUE(a.slot);
    EXPECT_TRUE(b.slot);
    EXPECT_EQ(limits.open_connections(), 2u);
}

TEST(ConnectionLimiter, ASlotMovedOnStillCountsAndOutlivesTheLimiter) {
    connection_slot kept;
    {
        connection_limiter limits(1, 1);
        auto admitted = limits.try_open("192.0.2.1");
        connection_slot moved(std::move(admitted.slot));
        EXPECT_FALSE(admitted.slot);
        kept = std::move(moved);
        EXPECT_EQ(limits.open_connections(), 1u);
        EXPECT_EQ(limits.try_open("192.0.2.2").refused, connection_refusal::server_full);
    }
    kept = {};  // the limiter is gone: releasing must still be safe
}

TEST(DescriptorBudget, LeavesAReserveAndTwoDescriptorsAConnection) {
    EXPECT_EQ(connections_for_descriptors(1024, 4), (1024 - 80) / 2);
    EXPECT_EQ(connections_for_descriptors(256, 4), (256 - 80) / 2);
    EXPECT_GE(connections_for_descriptors(16, 4), 1u);
    EXPECT_LT(connections_for_descriptors(16, 4), 8u);
    EXPECT_GT(connections_for_descriptors(1 << 20, 4), 500'000u);
}

TEST(DescriptorBudget, RaisingTheLimitNeverLowersIt) {
    auto raised = raise_descriptor_limit();
    EXPECT_GE(raised, 16u);
    EXPECT_EQ(raise_descriptor_limit(), raised);  // already at the hard limit
}

}  // namespace
}  // namespace parlor::net
