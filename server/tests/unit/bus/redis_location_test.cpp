#include "bus/redis_bus.hpp"

#include <gtest/gtest.h>

namespace parlor::bus {
namespace {

TEST(RedisLocation, ReadsHostPortDatabaseAndPassword) {
    auto plain = redis_location::parse("redis://cache.internal");
    EXPECT_EQ(plain.host, "cache.internal");
    EXPECT_EQ(plain.port, 6379);
    EXPECT_EQ(plain.db, 0);
    EXPECT_EQ(plain.password, "");

    auto full = redis_location::parse("redis://:s3cret@10.0.0.5:6380/2");
    EXPECT_EQ(full.host, "10.0.0.5");
    EXPECT_EQ(full.port, 6380);
    EXPECT_EQ(full.db, 2);
    EXPECT_EQ(full.password, "s3cret");

    auto v6 = redis_location::parse("redis://[::1]:7000");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 7000);
}

TEST(RedisLocation, RefusesWhatItCannotRead) {
    for (const char* url : {"http://cache:6379", "redis://", "redis://cache:port",
                            "redis://cache:0", "redis://cache:6379/x", "redis://cache:99999"}) {
        EXPECT_THROW(redis_location::parse(url), std::invalid_argument) << url;
    }
}

}  // namespace
}  // namespace parlor::bus
