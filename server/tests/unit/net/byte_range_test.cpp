#include "net/byte_range.hpp"

#include <gtest/gtest.h>

namespace parlor::net {
namespace {

struct expected_range {
    std::uint64_t first;
    std::uint64_t last;
};

void expect_range(std::string_view header, std::uint64_t size, expected_range want) {
    auto got = parse_range(header, size);
    ASSERT_TRUE(got.range) << header;
    EXPECT_TRUE(got.satisfiable) << header;
    EXPECT_EQ(got.range->first, want.first) << header;
    EXPECT_EQ(got.range->last, want.last) << header;
}

void expect_whole_object(std::string_view header, std::uint64_t size) {
    auto got = parse_range(header, size);
    EXPECT_FALSE(got.range) << header;
    EXPECT_TRUE(got.satisfiable) << header;
}

void expect_unsatisfiable(std::string_view header, std::uint64_t size) {
    auto got = parse_range(header, size);
    EXPECT_FALSE(got.range) << header;
    EXPECT_FALSE(got.satisfiable) << header;
}

TEST(ByteRange, ReadsOneRangeClampedToTheObject) {
    expect_range("bytes=0-99", 1000, {0, 99});
    expect_range("bytes=500-", 1000, {500, 999});
    expect_range("bytes=900-5000", 1000, {900, 999});
    expect_range("bytes=-100", 1000, {900, 999});
    expect_range("bytes=-5000", 1000, {0, 999});  // more than there is: all of it
    expect_range("bytes=0-18446744073709551615", 10, {0, 9});
}

TEST(ByteRange, WhatItDoesNotUnderstandMeansTheWholeObject) {
    for (const char* header :
         {"", "bytes=0-1,5-6", "items=0-1", "bytes=", "bytes=-", "bytes=a-1", "bytes=1-a",
          "bytes=5-1", "bytes= 0-1", "bytes=0x1-2", "bytes=18446744073709551616-", "bytes=+1-2"}) {
        expect_whole_object(header, 1000);
    }
}

TEST(ByteRange, ARangePastTheEndCannotBeSatisfied) {
    expect_unsatisfiable("bytes=1000-", 1000);
    expect_unsatisfiable("bytes=0-", 0);
    expect_unsatisfiable("bytes=-0", 1000);
    expect_unsatisfiable("bytes=-1", 0);
}

}  // namespace
}  // namespace parlor::net
