#include "rooms/room_service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/error.hpp"
#include "rooms/room_code.hpp"
#include "store/sql_store.hpp"
#include "support/failure_of.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace parlor::rooms {
namespace {

using testing::failure_of;

using namespace std::chrono_literals;

class recorded_events final : public room_events {
  public:
    std::vector<departure> departures;
    void member_left(const departure& gone) override { departures.push_back(gone); }
    void file_added(const store::file_record&, std::int64_t) override {}
};

class RoomServiceTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    RoomServiceTest() {
        store.migrate();
        rooms.notify(events);
    }

    testing::temp_dir dir;
    testing::manual_clock clock;
    testing::test_database db{GetParam()};
    store::sql_store store{db.location(), 1};
    auth::token_service tokens{std::string(40, 's'), clock, 12h};
    bus::local_presence online;  // the realtime layer tells it; here the test does
    call_service calls{store, clock, 6};
    room_service rooms{store, tokens, online, calls, clock};
    recorded_events events;
};

TEST_P(RoomServiceTest, CreatorIsTheFirstMember) {
    auto created = rooms.create_room("Alice");
    EXPECT_EQ(created.room.created_by, created.member.id);
    auto claims = tokens.verify(created.token.token);
    EXPECT_EQ(claims.member_id, created.member.id);
    EXPECT_EQ(claims.room_id, created.room.id);

    auto snapshot = rooms.state(created.room.code, created.token.token);
    EXPECT_EQ(snapshot.self, created.member.id);
    ASSERT_EQ(snapshot.members.size(), 1u);
    EXPECT_EQ(snapshot.members[0].member.display_name, "Alice");
    EXPECT_FALSE(snapshot.members[0].online);  // no socket attached
}

TEST_P(RoomServiceTest, JoinersAppearInJoinOrder) {
    auto created = rooms.create_room("Alice");
    clock.advance(10);
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    EXPECT_NE(bob.member.id, created.member.id);
    EXPECT_EQ(bob.room.id, created.room.id);
    auto snapshot = rooms.state(created.room.code, bob.token.token);
    ASSERT_EQ(snapshot.members.size(), 2u);
    EXPECT_EQ(snapshot.members[0].member.display_name, "Alice");
    EXPECT_EQ(snapshot.members[1].member.display_name, "Bob");
    EXPECT_EQ(snapshot.self, bob.member.id);
}

TEST_P(RoomServiceTest, CodeMayBeTypedInAnyCaseWithOrWithoutDashes) {
    auto created = rooms.create_room("Alice");
    std::string shouted = display_room_code(created.room.code);
    for (auto& c : shouted) c = static_cast<char>(std::toupper(c));
    EXPECT_EQ(rooms.join_room(shouted, "Bob", std::nullopt).room.id, created.room.id);
}

TEST_P(RoomServiceTest, RejoinWithTokenIsTheSameMember) {
    auto created = rooms.create_room("Alice");
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    auto again = rooms.join_room(created.room.code, std::nullopt, bob.token.token);
    EXPECT_EQ(again.member.id, bob.member.id);
    EXPECT_EQ(again.member.display_name, "Bob");
    EXPECT_EQ(rooms.state(created.room.code, again.token.token).members.size(), 2u);
}

TEST_P(RoomServiceTest, RejoinWithANewNameRenames) {
    auto created = rooms.create_room("Alice");
    auto again = rooms.join_room(created.room.code, "Alicia", created.token.token);
    EXPECT_EQ(again.member.id, created.member.id);
    EXPECT_EQ(rooms.state(created.room.code, again.token.token).members[0].member.display_name,
              "Alicia");
}

TEST_P(RoomServiceTest, TokenOfAnotherRoomIsForbidden) {
    auto x = rooms.create_room("Alice");
    auto y = rooms.create_room("Yann");
    EXPECT_EQ(failure_of([&] { rooms.state(y.room.code, x.token.token); }), error_code::forbidden);
    EXPECT_EQ(failure_of([&] { rooms.leave(y.room.code, x.token.token); }), error_code::forbidden);
    EXPECT_EQ(failure_of([&] { rooms.join_room(y.room.code, "A", x.token.token); }),
              error_code::forbidden);
    EXPECT_EQ(rooms.state(y.room.code, y.token.token).members.size(), 1u);
}

TEST_P(RoomServiceTest, LeavingIsForGood) {
    auto created = rooms.create_room("Alice");
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    rooms.leave(created.room.code, bob.token.token);
    EXPECT_EQ(failure_of([&] { rooms.state(created.room.code, bob.token.token); }),
              error_code::unauthorized);
    EXPECT_EQ(failure_of([&] { rooms.join_room(created.room.code, "Bob", bob.token.token); }),
              error_code::unauthorized);
    auto snapshot = rooms.state(created.room.code, created.token.token);
    ASSERT_EQ(snapshot.members.size(), 1u);
    EXPECT_EQ(snapshot.members[0].member.id, created.member.id);
}

TEST_P(RoomServiceTest, UnknownOrMalformedCodeIsRoomNotFound) {
    auto created = rooms.create_room("Alice");
    EXPECT_EQ(failure_of([&] { rooms.join_room("zzzz-zzzz-zzzz", "Bob", std::nullopt); }),
              error_code::room_not_found);
    EXPECT_EQ(failure_of([&] { rooms.join_room("not a code", "Bob", std::nullopt); }),
              error_code::room_not_found);
    EXPECT_EQ(failure_of([&] { rooms.state("zzzz-zzzz-zzzz", created.token.token); }),
              error_code::room_not_found);
}

TEST_P(RoomServiceTest, UnknownRoomIsReportedBeforeAMissingToken) {
    auto created = rooms.create_room("Alice");
    EXPECT_EQ(failure_of([&] { rooms.state("zzzz-zzzz-zzzz", std::nullopt); }),
              error_code::room_not_found);
    EXPECT_EQ(failure_of([&] { rooms.state(created.room.code, std::nullopt); }),
              error_code::unauthorized);
    EXPECT_EQ(failure_of([&] { rooms.leave(created.room.code, std::nullopt); }),
              error_code::unauthorized);
}

TEST_P(RoomServiceTest, NewMemberNeedsAName) {
    auto created = rooms.create_room("Alice");
    EXPECT_EQ(failure_of([&] { rooms.join_room(created.room.code, std::nullopt, std::nullopt); }),
              error_code::bad_request);
}

TEST_P(RoomServiceTest, ExpiredTokenIsUnauthorized) {
    auto created = rooms.create_room("Alice");
    clock.advance(12 * 3600 * 1000);
    EXPECT_EQ(failure_of([&] { rooms.state(created.room.code, created.token.token); }),
              error_code::unauthorized);
}

TEST_P(RoomServiceTest, SnapshotSaysWhoIsOnline) {
    auto created = rooms.create_room("Alice");
    clock.advance(10);
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    online.attach(created.room.id, bob.member.id);
    auto snapshot = rooms.state(created.room.code, created.token.token);
    EXPECT_FALSE(snapshot.members[0].online);
    EXPECT_TRUE(snapshot.members[1].online);
}

TEST_P(RoomServiceTest, TokenAloneNamesTheRoomForSockets) {
    auto created = rooms.create_room("Alice");
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    auto who = rooms.authenticate_token(bob.token.token);
    EXPECT_EQ(who.room.id, created.room.id);
    EXPECT_EQ(who.member.id, bob.member.id);
    rooms.leave(caller{created.room.id, bob.member.id, created.member.id});
    EXPECT_EQ(failure_of([&] { rooms.authenticate_token(bob.token.token); }),
              error_code::unauthorized);
}

TEST_P(RoomServiceTest, LeavingTheRoomLeavesTheCallAndIsHeard) {
    auto created = rooms.create_room("Alice");
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);
    caller alice{created.room.id, created.member.id, created.member.id};
    caller bob_in{created.room.id, bob.member.id, created.member.id};
    auto call = calls.start(alice);
    calls.join(bob_in, call.id);

    auto gone = rooms.leave(created.room.code, bob.token.token);

    ASSERT_TRUE(gone.call.has_value());
    EXPECT_EQ(gone.call->call_id, call.id);
    EXPECT_FALSE(gone.call->call_ended);  // Alice is still in it
    ASSERT_EQ(events.departures.size(), 1u);
    EXPECT_EQ(events.departures[0].who.member_id, bob.member.id);
    EXPECT_EQ(store.active_call(created.room.id)->participants.size(), 1u);

    auto last = rooms.leave(alice);
    ASSERT_TRUE(last.call.has_value());
    EXPECT_TRUE(last.call->call_ended);
    EXPECT_EQ(store.active_call(created.room.id), std::nullopt);
}

TEST_P(RoomServiceTest, LeavingOutsideACallNamesNoCall) {
    auto created = rooms.create_room("Alice");
    auto bob = rooms.join_room(created.room.code, "Bob", std::nullopt);

    EXPECT_EQ(rooms.leave(created.room.code, bob.token.token).call, std::nullopt);
    EXPECT_EQ(events.departures.size(), 1u);
}

TEST_P(RoomServiceTest, SnapshotCarriesTheActiveCall) {
    auto created = rooms.create_room("Alice");
    EXPECT_EQ(rooms.state(created.room.code, created.token.token).call, std::nullopt);
    store.start_call({"c1", created.room.id, created.member.id, 5, {}});
    auto snapshot = rooms.state(created.room.code, created.token.token);
    ASSERT_TRUE(snapshot.call);
    EXPECT_EQ(snapshot.call->id, "c1");
    ASSERT_EQ(snapshot.call->participants.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(, RoomServiceTest, testing::kinds_of_database,
                         testing::database_kind_name);

}  // namespace
}  // namespace parlor::rooms
