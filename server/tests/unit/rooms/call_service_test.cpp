#include "rooms/call_service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/error.hpp"
#include "store/sql_store.hpp"
#include "support/failure_of.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace parlor::rooms {
namespace {

using testing::failure_of;

class CallServiceTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    CallServiceTest() {
        store.migrate();
        store.insert_room_with_creator({"r1", "abcdefghjkmn", 1, "creator"},
                                       {"creator", "r1", "Cleo", 1, std::nullopt});
        for (auto id : {"a", "b", "c", "d"}) store.insert_member({id, "r1", id, 2, std::nullopt});
        store.insert_room_with_creator({"r2", "zzzzzzzzzzzz", 1, "other"},
                                       {"other", "r2", "Otto", 1, std::nullopt});
    }
    caller in_room(const std::string& member) { return {"r1", member, "creator"}; }

    testing::temp_dir dir;
    testing::manual_clock clock;
    testing::test_database db{GetParam()};
    store::sql_store store{db.location(), 1};
    call_service calls{store, clock, 3};
};

TEST_P(CallServiceTest, StartMakesTheStarterTheFirstParticipant) {
    auto call = calls.start(in_room("a"));
    EXPECT_EQ(call.started_by, "a");
    ASSERT_EQ(call.participants.size(), 1u);
    EXPECT_EQ(call.participants[0].member_id, "a");
    EXPECT_EQ(calls.active("r1")->id, call.id);
}

TEST_P(CallServiceTest, LeaveCurrentLeavesOnlyACallTheMemberIsIn) {
    auto call = calls.start(in_room("a"));
    calls.join(in_room("b"), call.id);

    EXPECT_EQ(calls.leave_current(in_room("c"), "left"), std::nullopt);
    auto left = calls.leave_current(in_room("b"), "dropped");
    ASSERT_TRUE(left.has_value());
    EXPECT_EQ(left->call_id, call.id);
    EXPECT_FALSE(left->call_ended);
    EXPECT_TRUE(calls.leave_current(in_room("a"), "left")->call_ended);
    EXPECT_EQ(calls.active("r1"), std::nullopt);
}

TEST_P(CallServiceTest, ParticipantsOfActiveCallsSpanRoomsAndSkipEndedCalls) {
    auto ended = calls.start(in_room("d"));
    calls.end(in_room("d"), ended.id);
    auto call = calls.start(in_room("a"));
    calls.join(in_room("b"), call.id);
    calls.start({"r2", "other", "other"});

    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& who : calls.participants_of_active_calls()) {
        seen.insert({who.room_id, who.member_id});
        EXPECT_EQ(who.room_creator_id, who.room_id == "r1" ? "creator" : "other");
    }
    EXPECT_EQ(seen, (std::set<std::pair<std::string, std::string>>{
                        {"r1", "a"}, {"r1", "b"}, {"r2", "other"}}));
}

TEST_P(CallServiceTest, OnlyOneCallAtATime) {
    calls.start(in_room("a"));
    EXPECT_EQ(failure_of([&] { calls.start(in_room("b")); }), error_code::call_active);
}

TEST_P(CallServiceTest, JoiningTwiceIsHarmless) {
    auto call = calls.start(in_room("a"));
    auto first = calls.join(in_room("b"), call.id);
    EXPECT_TRUE(first.newly_joined);
    auto second = calls.join(in_room("b"), call.id);
    EXPECT_FALSE(second.newly_joined);
    EXPECT_EQ(second.call.participants.size(), 2u);
}

TEST_P(CallServiceTest, FullCallSaysSo) {
    auto call = calls.start(in_room("a"));
    calls.join(in_room("b"), call.id);
    calls.join(in_room("c"), call.id);
    EXPECT_EQ(failure_of([&] { calls.join(in_room("d"), call.id); }), error_code::call_full);
}

TEST_P(CallServiceTest, StaleOrForeignCallIdIsNoActiveCall) {
    EXPECT_EQ(failure_of([&] { calls.join(in_room("a"), "nope"); }), error_code::no_active_call);
    auto call = calls.start(in_room("a"));
    // A member of another room cannot reach this call by its id.
    EXPECT_EQ(failure_of([&] {
                  calls.join({"r2", "other", "other"}, call.id);
              }),
              error_code::no_active_call);
    calls.end(in_room("a"), call.id);
    EXPECT_EQ(failure_of([&] { calls.join(in_room("b"), call.id); }), error_code::no_active_call);
}

TEST_P(CallServiceTest, LeavingNeedsToBeIn) {
    auto call = calls.start(in_room("a"));
    EXPECT_EQ(failure_of([&] { calls.leave(in_room("b"), call.id, "left"); }),
              error_code::not_in_call);
}

TEST_P(CallServiceTest, LastToLeaveEndsIt) {
    auto call = calls.start(in_room("a"));
    calls.join(in_room("b"), call.id);
    EXPECT_FALSE(calls.leave(in_room("a"), call.id, "left").call_ended);
    EXPECT_TRUE(calls.leave(in_room("b"), call.id, "dropped").call_ended);
    EXPECT_EQ(calls.active("r1"), std::nullopt);
}

TEST_P(CallServiceTest, OnlyStarterOrRoomCreatorMayEnd) {
    auto call = calls.start(in_room("a"));
    calls.join(in_room("b"), call.id);
    EXPECT_EQ(failure_of([&] { calls.end(in_room("b"), call.id); }), error_code::forbidden);
    EXPECT_TRUE(calls.active("r1"));
    calls.end(in_room("a"), call.id);
    EXPECT_EQ(calls.active("r1"), std::nullopt);

    auto next = calls.start(in_room("b"));
    calls.end(in_room("creator"), next.id);  // the room's creator, though not in the call
    EXPECT_EQ(calls.active("r1"), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(, CallServiceTest, testing::kinds_of_database,
                         testing::database_kind_name);

}  // namespace
}  // namespace parlor::rooms
