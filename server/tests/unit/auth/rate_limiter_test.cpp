#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "support/manual_clock.hpp"

namespace parlor::auth {
namespace {

TEST(RateLimiter, AllowsTheLimitThenAsksToWait) {
    testing::manual_clock clock;
    rate_limiter limiter(3, clock);
    EXPECT_EQ(limiter.acquire("10.0.0.1"), std::nullopt);
    EXPECT_EQ(limiter.acquire("10.0.0.1"), std::nullopt);
    EXPECT_EQ(limiter.acquire("10.0.0.1"), std::nullopt);
    auto wait = limiter.acquire("10.0.0.1");
    ASSERT_TRUE(wait.has_value());
    EXPECT_EQ(*wait, 20);  // 3 a minute: one more every 20 s
}

TEST(RateLimiter, RefillsOverTime) {
    testing::manual_clock clock;
    rate_limiter limiter(6, clock);
    for (int i = 0; i < 6; ++i) ASSERT_EQ(limiter.acquire("ip"), std::nullopt);
    ASSERT_TRUE(limiter.acquire("ip").has_value());
    clock.advance(9'000);
    EXPECT_EQ(*limiter.acquire("ip"), 1);  // 9 of the 10 s needed for one request
    clock.advance(1'000);
    EXPECT_EQ(limiter.acquire("ip"), std::nullopt);
    EXPECT_TRUE(limiter.acquire("ip").has_value());
}

TEST(RateLimiter, KeysAreIndependent) {
    testing::manual_clock clock;
    rate_limiter limiter(1, clock);
    EXPECT_EQ(limiter.acquire("a"), std::nullopt);
    EXPECT_TRUE(limiter.acquire("a").has_value());
    EXPECT_EQ(limiter.acquire("b"), std::nullopt);
}

TEST(RateLimiter, ZeroTurnsTheLimitOff) {
    testing::manual_clock clock;
    rate_limiter limiter(0, clock);
    for (int i = 0; i < 10'000; ++i) ASSERT_EQ(limiter.acquire("ip"), std::nullopt);
}

TEST(RateLimiter, ForgottenClientsStartWithAFullBucket) {
    testing::manual_clock clock;
    rate_limiter limiter(2, clock);
    ASSERT_EQ(limiter.acquire("ip"), std::nullopt);
    ASSERT_EQ(limiter.acquire("ip"), std::nullopt);
    clock.advance(120'000);
    EXPECT_EQ(limiter.acquire("other"), std::nullopt);  // sweeps idle buckets
    EXPECT_EQ(limiter.acquire("ip"), std::nullopt);
    EXPECT_EQ(limiter.acquire("ip"), std::nullopt);
    EXPECT_TRUE(limiter.acquire("ip").has_value());
}

}  // namespace
}  // namespace parlor::auth
