#include "store/sql_store.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "support/test_database.hpp"

namespace parlor::store {
namespace {

class SqlStoreTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    SqlStoreTest() : db(GetParam()), store(db.location(), 2) { store.migrate(); }

    room_record room{"r1", "abcdefghjkmn", 1000, "m1"};
    member_record creator{"m1", "r1", "Alice", 1000, std::nullopt};
    testing::test_database db;
    sql_store store;
};

TEST_P(SqlStoreTest, RoomAndCreatorAreStoredTogether) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    auto found = store.find_room_by_code("abcdefghjkmn");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, "r1");
    EXPECT_EQ(found->created_at, 1000);
    EXPECT_EQ(found->created_by, "m1");
    auto member = store.find_member("m1");
    ASSERT_TRUE(member);
    EXPECT_EQ(member->display_name, "Alice");
    EXPECT_EQ(member->left_at, std::nullopt);
}

TEST_P(SqlStoreTest, SecondRoomWithTheSameCodeIsNotInserted) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    room_record clash{"r2", room.code, 2000, "m2"};
    member_record other{"m2", "r2", "Bob", 2000, std::nullopt};
    EXPECT_FALSE(store.insert_room_with_creator(clash, other));
    EXPECT_EQ(store.find_member("m2"), std::nullopt);
}

TEST_P(SqlStoreTest, UnknownThingsAreAbsent) {
    EXPECT_EQ(store.find_room_by_code("zzzzzzzzzzzz"), std::nullopt);
    EXPECT_EQ(store.find_member("nobody"), std::nullopt);
}

TEST_P(SqlStoreTest, PresentMembersInJoinOrderWithoutThoseWhoLeft) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    store.insert_member({"m3", "r1", "Carol", 3000, std::nullopt});
    store.insert_member({"m2", "r1", "Bob", 2000, std::nullopt});
    store.mark_member_left("m3", 4000);
    auto members = store.present_members("r1");
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].display_name, "Alice");
    EXPECT_EQ(members[1].display_name, "Bob");
    EXPECT_EQ(store.find_member("m3")->left_at, 4000);
}

TEST_P(SqlStoreTest, LeavingTwiceKeepsTheFirstTime) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    store.mark_member_left("m1", 5000);
    store.mark_member_left("m1", 6000);
    EXPECT_EQ(store.find_member("m1")->left_at, 5000);
}

// Each change that makes room events takes the room's next numbers in its own transaction,
// and the snapshot says which number it reflects.
TEST_P(SqlStoreTest, RoomEventsAreNumberedInCommitOrder) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    store.insert_member({"m2", "r1", "Bob", 2000, std::nullopt});
    EXPECT_EQ(store.read_room_contents("r1").seq, 0);

    std::int64_t seq = -1;
    ASSERT_EQ(store.start_call({"c1", "r1", "m1", 3000, {}}, &seq), start_outcome::started);
    EXPECT_EQ(seq, 1);
    ASSERT_EQ(store.join_call("c1", "m2", 3100, 6, &seq), join_outcome::joined);
    EXPECT_EQ(seq, 2);
    seq = -1;
    EXPECT_EQ(store.join_call("c1", "m2", 3200, 6, &seq), join_outcome::already_in);
    EXPECT_EQ(seq, -1) << "a join that changed nothing took a number";
    EXPECT_EQ(store.leave_call("c1", "m2", 3300, "left").seq, 3);
    auto last = store.leave_call("c1", "m1", 3400, "left");  // the last one: the call ends
    EXPECT_TRUE(last.call_ended);
    EXPECT_EQ(last.seq, 5) << "participant-left and call:ended take one each";
    EXPECT_EQ(store.leave_call("c1", "m1", 3500, "left").seq, 0);

    ASSERT_EQ(store.start_call({"c2", "r1", "m1", 4000, {}}, &seq), start_outcome::started);
    EXPECT_TRUE(store.end_call("c2", 4100, "ended", "m1", &seq));
    EXPECT_EQ(seq, 7);
    EXPECT_EQ(store.number_event("r1"), 8);
    store.mark_member_left("m2", 5000, &seq);
    EXPECT_EQ(seq, 9);
    seq = -1;
    store.mark_member_left("m2", 5100, &seq);
    EXPECT_EQ(seq, -1) << "leaving twice took a number";
    EXPECT_EQ(store.read_room_contents("r1").seq, 9);

    // Another room counts on its own.
    ASSERT_TRUE(store.insert_room_with_creator({"r2", "bbbbbbbbbbbb", 6000, "m5"},
                                               {"m5", "r2", "Eve", 6000, std::nullopt}));
    EXPECT_EQ(store.number_event("r2"), 1);
}

TEST_P(SqlStoreTest, RenameKeepsEverythingElse) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    store.rename_member("m1", "Alicia");
    auto member = store.find_member("m1");
    EXPECT_EQ(member->display_name, "Alicia");
    EXPECT_EQ(member->joined_at, 1000);
}

TEST_P(SqlStoreTest, TextIsStoredExactly) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    std::string tricky = "O'Brien \"; DROP TABLE rooms; -- 山田 🙂";
    store.insert_member({"m9", "r1", tricky, 9000, std::nullopt});
    EXPECT_EQ(store.find_member("m9")->display_name, tricky);
    EXPECT_TRUE(store.find_room_by_code(room.code));
}

TEST_P(SqlStoreTest, DataSurvivesReopening) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    sql_store reopened(db.location(), 1);
    EXPECT_EQ(reopened.migrate(), 0);
    EXPECT_TRUE(reopened.find_room_by_code(room.code));
}

TEST_P(SqlStoreTest, ViolatedConstraintBecomesUnavailableWithoutSqlInTheMessage) {
    ASSERT_TRUE(store.insert_room_with_creator(room, creator));
    try {
        store.insert_member({"m1", "r1", "dup", 1, std::nullopt});  // same primary key
        FAIL() << "duplicate member accepted";
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::unavailable);
        EXPECT_EQ(std::string(e.what()).find("INSERT"), std::string::npos);
    }
}

TEST(DatabaseLocation, ParsesSqliteUrls) {
    EXPECT_EQ(database_location::parse("sqlite:./data/parlor.db").sqlite_path, "./data/parlor.db");
    EXPECT_EQ(database_location::parse("sqlite:///var/lib/parlor.db").sqlite_path,
              "/var/lib/parlor.db");
    EXPECT_THROW(database_location::parse("sqlite:"), std::invalid_argument);
    EXPECT_THROW(database_location::parse("mysql://x"), std::invalid_argument);
}

TEST(DatabaseLocation, PostgresqlUrlsGetConnectionDefaultsUnlessTheySetTheirOwn) {
    auto plain = database_location::parse("postgresql://parlor:s3cret@db.internal:5433/parlor");
    ASSERT_TRUE(plain.is_postgres());
    EXPECT_TRUE(
        plain.postgres_url.starts_with("postgresql://parlor:s3cret@db.internal:5433/parlor?"));
    EXPECT_NE(plain.postgres_url.find("connect_timeout=5"), std::string::npos);
    EXPECT_NE(plain.postgres_url.find("keepalives_idle=30"), std::string::npos);
    EXPECT_NE(plain.postgres_url.find("statement_timeout%3D30000"), std::string::npos);

    auto own = database_location::parse("postgres://p@h/db?connect_timeout=20&sslmode=require");
    EXPECT_NE(own.postgres_url.find("connect_timeout=20&"), std::string::npos);
    EXPECT_EQ(own.postgres_url.find("connect_timeout=5"), std::string::npos);
    EXPECT_NE(own.postgres_url.find("sslmode=require"), std::string::npos);
}

TEST(DatabaseLocation, ABadPostgresqlUrlIsRefusedWithLibpqsReason) {
    try {
        database_location::parse("postgresql://h/db?no_such_setting=1");
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_setting"), std::string::npos) << e.what();
    }
    EXPECT_THROW(database_location::parse("postgresql://h/db%zz"), std::invalid_argument);
}

TEST(DatabaseLocation, TheLogSeesWhereButNeverThePassword) {
    auto where = database_location::parse("postgresql://parlor:s3cret@db.internal:5433/meetings");
    EXPECT_EQ(where.describe(),
              "PostgreSQL database 'meetings' on db.internal port 5433 as parlor");
    EXPECT_EQ(where.describe().find("s3cret"), std::string::npos);
    EXPECT_EQ(database_location::parse("sqlite:/var/lib/parlor/parlor.db").describe(),
              "SQLite at /var/lib/parlor/parlor.db");
}

INSTANTIATE_TEST_SUITE_P(, SqlStoreTest, testing::kinds_of_database, testing::database_kind_name);

}  // namespace
}  // namespace parlor::store
