#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/sql_store.hpp"
#include "support/test_database.hpp"

namespace parlor::store {
namespace {

class SqlStoreCallsTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    SqlStoreCallsTest() : db(GetParam()), store(db.location(), 4) {
        store.migrate();
        store.insert_room_with_creator({"r1", "abcdefghjkmn", 1, "m1"},
                                       {"m1", "r1", "Alice", 1, std::nullopt});
        for (int i = 2; i <= 12; ++i) {
            store.insert_member({"m" + std::to_string(i), "r1", "M", i, std::nullopt});
        }
    }
    call_record call_by(const std::string& member, const std::string& id = "c1") {
        return {id, "r1", member, 100, {}};
    }

    testing::test_database db;
    sql_store store;
};

TEST_P(SqlStoreCallsTest, NoCallUntilOneStarts) {
    EXPECT_EQ(store.active_call("r1"), std::nullopt);
}

TEST_P(SqlStoreCallsTest, StarterIsTheFirstParticipant) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    auto call = store.active_call("r1");
    ASSERT_TRUE(call);
    EXPECT_EQ(call->id, "c1");
    EXPECT_EQ(call->started_by, "m1");
    ASSERT_EQ(call->participants.size(), 1u);
    EXPECT_EQ(call->participants[0].member_id, "m1");
    EXPECT_EQ(call->participants[0].joined_at, 100);
}

TEST_P(SqlStoreCallsTest, SecondStartIsRefusedWhileOneRuns) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    EXPECT_EQ(store.start_call(call_by("m2", "c2")), start_outcome::call_active);
    EXPECT_EQ(store.active_call("r1")->id, "c1");
}

TEST_P(SqlStoreCallsTest, JoinUpToTheCapacity) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    EXPECT_EQ(store.join_call("c1", "m2", 200, 3), join_outcome::joined);
    EXPECT_EQ(store.join_call("c1", "m2", 201, 3), join_outcome::already_in);
    EXPECT_EQ(store.join_call("c1", "m3", 300, 3), join_outcome::joined);
    EXPECT_EQ(store.join_call("c1", "m4", 400, 3), join_outcome::full);
    auto call = store.active_call("r1");
    ASSERT_EQ(call->participants.size(), 3u);
    EXPECT_EQ(call->participants[1].member_id, "m2");
    EXPECT_EQ(call->participants[2].member_id, "m3");
}

TEST_P(SqlStoreCallsTest, LastOneOutEndsTheCall) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    ASSERT_EQ(store.join_call("c1", "m2", 200, 6), join_outcome::joined);
    auto first = store.leave_call("c1", "m1", 300, "left");
    EXPECT_TRUE(first.was_participant);
    EXPECT_FALSE(first.call_ended);
    EXPECT_EQ(store.active_call("r1")->participants.size(), 1u);
    auto again = store.leave_call("c1", "m1", 301, "left");
    EXPECT_FALSE(again.was_participant);
    auto last = store.leave_call("c1", "m2", 400, "dropped");
    EXPECT_TRUE(last.was_participant);
    EXPECT_TRUE(last.call_ended);
    EXPECT_EQ(store.active_call("r1"), std::nullopt);
    EXPECT_EQ(store.join_call("c1", "m3", 500, 6), join_outcome::not_active);
    EXPECT_EQ(store.start_call(call_by("m3", "c2")), start_outcome::started);
}

TEST_P(SqlStoreCallsTest, EndingRemovesEveryoneOnce) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    ASSERT_EQ(store.join_call("c1", "m2", 200, 6), join_outcome::joined);
    EXPECT_TRUE(store.end_call("c1", 300, "ended", "m1"));
    EXPECT_FALSE(store.end_call("c1", 301, "ended", "m1"));
    EXPECT_EQ(store.active_call("r1"), std::nullopt);
    EXPECT_FALSE(store.leave_call("c1", "m2", 302, "left").was_participant);
}

TEST_P(SqlStoreCallsTest, ConcurrentStartsMakeExactlyOneCall) {
    for (int round = 0; round < 20; ++round) {
        std::atomic<int> started = 0, refused = 0;
        std::vector<std::thread> starters;
        for (int i = 0; i < 4; ++i) {
            starters.emplace_back([&, i] {
                auto id = "call-" + std::to_string(round) + "-" + std::to_string(i);
                auto outcome = store.start_call({id, "r1", "m" + std::to_string(i + 1), 10, {}});
                (outcome == start_outcome::started ? started : refused)++;
            });
        }
        for (auto& t : starters) t.join();
        ASSERT_EQ(started, 1) << "round " << round;
        ASSERT_EQ(refused, 3);
        auto call = store.active_call("r1");
        ASSERT_TRUE(call);
        ASSERT_TRUE(store.end_call(call->id, 20, "ended", call->started_by));
    }
}

TEST_P(SqlStoreCallsTest, ConcurrentJoinsNeverPassTheCapacity) {
    ASSERT_EQ(store.start_call(call_by("m1")), start_outcome::started);
    std::atomic<int> joined = 0, full = 0;
    std::vector<std::thread> joiners;
    for (int i = 2; i <= 12; ++i) {
        joiners.emplace_back([&, i] {
            auto outcome = store.join_call("c1", "m" + std::to_string(i), 100 + i, 6);
            (outcome == join_outcome::joined ? joined : full)++;
        });
    }
    for (auto& t : joiners) t.join();
    EXPECT_EQ(joined, 5);
    EXPECT_EQ(full, 6);
    EXPECT_EQ(store.active_call("r1")->participants.size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(, SqlStoreCallsTest, testing::kinds_of_database,
                         testing::database_kind_name);

}  // namespace
}  // namespace parlor::store
