#include "realtime/relay_budget.hpp"

#include <gtest/gtest.h>

namespace parlor::realtime {
namespace {

using namespace std::chrono_literals;

const relay_budget::time_point start{};

TEST(RelayBudget, ABurstPassesThenTheBucketIsEmpty) {
    relay_budget budget(1000, 4000, start);
    EXPECT_TRUE(budget.spend(3000, start));
    EXPECT_TRUE(budget.spend(1000, start));
    EXPECT_FALSE(budget.spend(1, start));
}

TEST(RelayBudget, ARefusedSpendTakesNothing) {
    relay_budget budget(1000, 4000, start);
    EXPECT_FALSE(budget.spend(5000, start));  // more than the bucket ever holds
    EXPECT_TRUE(budget.spend(4000, start));   // all of it is still there
}

TEST(RelayBudget, RefillsAtItsRateUpToTheBurst) {
    relay_budget budget(1000, 4000, start);
    ASSERT_TRUE(budget.spend(4000, start));
    EXPECT_FALSE(budget.spend(600, start + 500ms));
    EXPECT_TRUE(budget.spend(500, start + 500ms));
    EXPECT_TRUE(budget.spend(4000, start + 1h));  // full again, never more
    EXPECT_FALSE(budget.spend(1, start + 1h));
}

// A sender flooding at full speed gets the burst and then the rate, whatever it tries.
TEST(RelayBudget, AFloodGetsTheRateAndNoMore) {
    relay_budget budget(64 * 1024, 256 * 1024, start);
    std::size_t relayed = 0;
    for (int ms = 0; ms <= 10'000; ++ms) {
        for (int i = 0; i < 10; ++i) {  // 10 frames of 60 KB a millisecond
            if (budget.spend(60'000, start + std::chrono::milliseconds(ms))) relayed += 60'000;
        }
    }
    EXPECT_LE(relayed, 256u * 1024 + 10 * 64 * 1024);
    EXPECT_GE(relayed, 10u * 64 * 1024 - 60'000);
}

TEST(RelayBudget, TimeGoingBackwardsGivesNothing) {
    relay_budget budget(1000, 1000, start + 10s);
    ASSERT_TRUE(budget.spend(1000, start + 10s));
    EXPECT_FALSE(budget.spend(1, start));
}

}  // namespace
}  // namespace parlor::realtime
