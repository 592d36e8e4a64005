#include "rooms/room_code.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <unordered_set>

namespace parlor::rooms {
namespace {

TEST(RoomCode, HasTwelveCharactersOfCrockfordBase32) {
    for (int i = 0; i < 1000; ++i) {
        auto code = generate_room_code();
        ASSERT_EQ(code.size(), 12u);
        for (char c : code) {
            EXPECT_NE(room_code_alphabet.find(c), std::string_view::npos) << code;
        }
    }
}

TEST(RoomCode, AlphabetLeavesOutLookAlikes) {
    EXPECT_EQ(room_code_alphabet.size(), 32u);
    for (char c : std::string_view("ilou")) {
        EXPECT_EQ(room_code_alphabet.find(c), std::string_view::npos) << c;
    }
}

TEST(RoomCode, HundredThousandCodesAreAllDistinctAndUseEverySymbolEverywhere) {
    std::unordered_set<std::string> seen;
    std::array<std::array<int, 32>, 12> counts{};
    for (int i = 0; i < 100'000; ++i) {
        auto code = generate_room_code();
        ASSERT_TRUE(seen.insert(code).second) << "duplicate code " << code;
        for (std::size_t pos = 0; pos < code.size(); ++pos) {
            ++counts[pos][room_code_alphabet.find(code[pos])];
        }
    }
    // 100k draws over 32 symbols: about 3125 each. A stuck or biased position (for
    // example one fed by fewer than 5 random bits) shows as counts far from that.
    for (const auto& position : counts) {
        for (int count : position) {
            EXPECT_GT(count, 2700);
            EXPECT_LT(count, 3550);
        }
    }
}

TEST(RoomCode, IsShownInGroupsOfFour) {
    EXPECT_EQ(display_room_code("abcdefghjkmn"), "abcd-efgh-jkmn");
    EXPECT_TRUE(std::regex_match(display_room_code(generate_room_code()),
                                 std::regex("^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$")));
}

TEST(RoomCode, LookupIgnoresCaseDashesAndSpaces) {
    EXPECT_EQ(canonical_room_code("abcd-efgh-jkmn"), "abcdefghjkmn");
    EXPECT_EQ(canonical_room_code("ABCDEFGHJKMN"), "abcdefghjkmn");
    EXPECT_EQ(canonical_room_code(" abcd efgh-JKMN "), "abcdefghjkmn");
}

TEST(RoomCode, LookAlikesReadAsTheDigitsTheyResemble) {
    EXPECT_EQ(canonical_room_code("oooo-iiii-llll"), "000011111111");
}

TEST(RoomCode, RejectsWhatCannotBeACode) {
    EXPECT_EQ(canonical_room_code(""), std::nullopt);
    EXPECT_EQ(canonical_room_code("abcd-efgh-jkm"), std::nullopt);    // too short
    EXPECT_EQ(canonical_room_code("abcd-efgh-jkmnp"), std::nullopt);  // too long
    EXPECT_EQ(canonical_room_code("abcd-efgh-jkmu"), std::nullopt);   // u is not in the alphabet
    EXPECT_EQ(canonical_room_code("abcd/efgh/jkmn"), std::nullopt);
    EXPECT_EQ(canonical_room_code("../../etc/passwd"), std::nullopt);
    EXPECT_EQ(canonical_room_code(std::string("abcd\0efghjkmn", 13)), std::nullopt);
}

}  // namespace
}  // namespace parlor::rooms
