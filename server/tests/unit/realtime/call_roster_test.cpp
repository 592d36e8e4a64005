#include "realtime/call_roster.hpp"

#include <gtest/gtest.h>

namespace parlor::realtime {
namespace {

store::call_record call_with(std::string id, std::vector<std::string> members) {
    store::call_record call{std::move(id), "r1", members.front(), 1, {}};
    for (auto& m : members) call.participants.push_back({m, 1});
    return call;
}

TEST(CallRoster, AnUnknownRoomMustBeRead) {
    call_roster roster;
    std::uint64_t version = 99;  // a generation
    EXPECT_EQ(roster.find("r1", version), nullptr);
}

TEST(CallRoster, WhatWasReadIsRememberedIncludingNoCall) {
    call_roster roster;
    std::uint64_t version = 0;
    ASSERT_EQ(roster.find("r1", version), nullptr);
    roster.remember("r1", version, call_with("c1", {"a", "b"}));
    auto known = roster.find("r1", version);
    ASSERT_NE(known, nullptr);
    ASSERT_TRUE(known->has_value());
    EXPECT_EQ((*known)->participants.size(), 2u);

    ASSERT_EQ(roster.find("r2", version), nullptr);
    roster.remember("r2", version, std::nullopt);
    auto none = roster.find("r2", version);
    ASSERT_NE(none, nullptr);
    EXPECT_FALSE(none->has_value());
}

TEST(CallRoster, AChangeForgetsTheRoomOnly) {
    call_roster roster;
    std::uint64_t version = 0;
    roster.find("r1", version);
    roster.remember("r1", version, call_with("c1", {"a"}));
    roster.find("r2", version);
    roster.remember("r2", version, call_with("c2", {"b"}));

    roster.forget("r1");

    EXPECT_EQ(roster.find("r1", version), nullptr);
    EXPECT_NE(roster.find("r2", version), nullptr);
}

// A signal read the store, a call changed meanwhile: the old read must not be kept.
TEST(CallRoster, AReadThatRacedWithAChangeIsNotRemembered) {
    call_roster roster;
    std::uint64_t before_read = 0;
    ASSERT_EQ(roster.find("r1", before_read), nullptr);
    roster.forget("r1");  // someone joined while the read was under way

    roster.remember("r1", before_read, call_with("c1", {"a"}));

    std::uint64_t version = 0;
    EXPECT_EQ(roster.find("r1", version), nullptr);
    roster.remember("r1", version, call_with("c1", {"a", "b"}));
    auto known = roster.find("r1", version);
    ASSERT_NE(known, nullptr);
    EXPECT_EQ((*known)->participants.size(), 2u);
}

// Rooms come and go; the roster must not keep one entry per room that ever had a call or a
// signal (issue 11: entries were never erased).
TEST(CallRoster, AForgottenRoomHoldsNoMemory) {
    call_roster roster;
    std::uint64_t generation = 0;
    for (int i = 0; i < 100; ++i) {
        auto room = "room-" + std::to_string(i);
        roster.find(room, generation);
        roster.remember(room, generation, call_with("c" + std::to_string(i), {"a", "b"}));
    }
    EXPECT_EQ(roster.size(), 100u);

    for (int i = 0; i < 100; ++i) roster.forget("room-" + std::to_string(i));  // calls ended

    EXPECT_EQ(roster.size(), 0u);
}

TEST(CallRoster, ForgettingAnUnknownRoomAddsNothing) {
    call_roster roster;
    for (int i = 0; i < 100; ++i) roster.forget("room-" + std::to_string(i));
    EXPECT_EQ(roster.size(), 0u);
}

// The entry is gone, yet a read that began before the forget is still not kept.
TEST(CallRoster, AReadThatRacedWithAForgetIsNotRememberedAfterTheEntryWent) {
    call_roster roster;
    std::uint64_t generation = 0;
    roster.find("r1", generation);
    roster.remember("r1", generation, call_with("c1", {"a"}));
    std::uint64_t before_read = 0;
    ASSERT_NE(roster.find("r1", before_read), nullptr);
    roster.forget("r1");
    ASSERT_EQ(roster.size(), 0u);

    roster.remember("r1", before_read, call_with("c1", {"a"}));

    EXPECT_EQ(roster.find("r1", generation), nullptr);
    EXPECT_EQ(roster.size(), 0u);
}

}  // namespace
}  // namespace parlor::realtime
