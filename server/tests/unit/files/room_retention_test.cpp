#include "files/room_retention.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "blobs/local_blob_store.hpp"
#include "common/crypto.hpp"
#include "files/file_service.hpp"
#include "store/sql_store.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace parlor::files {
namespace {

namespace fs = std::filesystem;

constexpr millis day = 24 * 60 * 60 * 1000;

class RoomRetentionTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    RoomRetentionTest() {
        store.migrate();
        store.insert_room_with_creator({"r1", "abcdefghjkmn", clock.now(), "a"},
                                       {"a", "r1", "Ada", clock.now(), std::nullopt});
        store.insert_room_with_creator({"r2", "zzzzzzzzzzzz", clock.now(), "o"},
                                       {"o", "r2", "Otto", clock.now(), std::nullopt});
    }

    // A completed file in room r1, its bytes in the store; returns its storage key.
    std::string share(const std::string& bytes) {
        auto prepared = files.prepare({"r1", "a", "a"},
                                      {"f.txt", "text/plain", bytes.size(), sha256_hex(bytes)});
        auto key = store.find_file(prepared.file_id).value().storage_key;
        auto incoming = blobs.begin_upload(key, bytes.size());
        incoming->write(bytes.data(), bytes.size());
        incoming->commit();
        files.complete({"r1", "a", "a"}, prepared.file_id);
        return key;
    }
    bool exists(const std::string& room_id) { return store.find_room_by_id(room_id).has_value(); }

    testing::temp_dir dir;
    testing::manual_clock clock;
    testing::test_database db{GetParam()};
    store::sql_store store{db.location(), 1};
    blobs::local_blob_store blobs{dir.path() / "files", std::string(32, 'k'), clock};
    file_service files{
        store,
        blobs,
        clock,
        {.upload_ttl = std::chrono::seconds(600), .min_free_disk = 0, .prepares_per_minute = 0}};
    bus::local_presence presence;
    room_retention retention{store, blobs, presence, clock, std::chrono::days(30)};
};

TEST_P(RoomRetentionTest, AnIdleRoomIsDeletedWithItsMembersFilesAndBytes) {
    auto key = share("minutes");
    auto pending = files.prepare({"r1", "a", "a"}, {"g.txt", "text/plain", 3, sha256_hex("abc")});
    store.insert_member({"b", "r1", "Bea", clock.now(), std::nullopt});
    clock.advance(30 * day - 1);
    EXPECT_EQ(retention.sweep(), 0u) << "deleted before its time";

    clock.advance(2);
    EXPECT_EQ(retention.sweep(), 2u);  // both rooms were idle

    EXPECT_FALSE(exists("r1"));
    EXPECT_EQ(store.find_member("b"), std::nullopt);
    EXPECT_EQ(store.find_file(pending.file_id), std::nullopt);
    EXPECT_TRUE(store.room_files("r1").empty());
    EXPECT_EQ(blobs.stat(key), std::nullopt);
    EXPECT_TRUE(fs::is_empty(dir.path() / "files" / "objects"));
}

TEST_P(RoomRetentionTest, AJoinAFileOrACallStartsTheClockAgain) {
    clock.advance(20 * day);
    store.insert_member({"b", "r1", "Bea", clock.now(), std::nullopt});  // a join
    clock.advance(20 * day);
    EXPECT_EQ(retention.sweep(), 1u);  // r2 only
    EXPECT_TRUE(exists("r1"));
    EXPECT_FALSE(exists("r2"));

    share("x");  // a file
    clock.advance(20 * day);
    EXPECT_EQ(retention.sweep(), 0u);

    store.start_call({"c1", "r1", "a", clock.now(), {}});  // a call
    store.leave_call("c1", "a", clock.now() + 1000, "left");
    clock.advance(29 * day);
    EXPECT_EQ(retention.sweep(), 0u);
    clock.advance(2 * day);
    EXPECT_EQ(retention.sweep(), 1u);
    EXPECT_FALSE(exists("r1"));
}

TEST_P(RoomRetentionTest, ARoomWithAnActiveCallIsKept) {
    store.start_call({"c1", "r1", "a", clock.now(), {}});
    clock.advance(90 * day);
    EXPECT_EQ(retention.sweep(), 1u);  // r2
    EXPECT_TRUE(exists("r1"));
}

TEST_P(RoomRetentionTest, AMemberOnlineKeepsTheRoomAndItsClockStartsWhenTheyGo) {
    presence.attach("r1", "a");
    clock.advance(90 * day);
    EXPECT_EQ(retention.sweep(), 1u);  // r2
    EXPECT_TRUE(exists("r1"));

    presence.detach("r1", "a");  // offline now: the room was in use until the last sweep
    clock.advance(29 * day);
    EXPECT_EQ(retention.sweep(), 0u);
    clock.advance(2 * day);
    EXPECT_EQ(retention.sweep(), 1u);
    EXPECT_FALSE(exists("r1"));
}

TEST_P(RoomRetentionTest, ARejoinWithATokenIsActivity) {
    clock.advance(20 * day);
    store.touch_room("r1", clock.now());
    clock.advance(20 * day);
    retention.sweep();
    EXPECT_TRUE(exists("r1"));
}

TEST_P(RoomRetentionTest, NoRetentionKeepsEveryRoom) {
    room_retention keep{store, blobs, presence, clock, std::chrono::seconds(0)};
    clock.advance(3650 * day);
    EXPECT_FALSE(keep.enabled());
    EXPECT_EQ(keep.sweep(), 0u);
    EXPECT_TRUE(exists("r1"));
}

TEST_P(RoomRetentionTest, ManyIdleRoomsGoInBatches) {
    for (int i = 0; i < 250; ++i) {
        auto id = "room-" + std::to_string(i);
        store.insert_room_with_creator({id, "code" + std::to_string(i), clock.now(), "m" + id},
                                       {"m" + id, id, "M", clock.now(), std::nullopt});
    }
    clock.advance(31 * day);
    EXPECT_EQ(retention.sweep(), 252u);
    EXPECT_EQ(retention.sweep(), 0u);
}

INSTANTIATE_TEST_SUITE_P(, RoomRetentionTest, testing::kinds_of_database,
                         testing::database_kind_name);

}  // namespace
}  // namespace parlor::files
