#include "store/migrations.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "support/temp_dir.hpp"

namespace parlor::store {
namespace {

class MigrationsTest : public ::testing::Test {
  protected:
    MigrationsTest() {
        sql.open(*soci::factory_sqlite3(), "db=" + (dir.path() / "test.db").string());
        sql << "PRAGMA foreign_keys = ON";
    }
    int count(const std::string& query) {
        int n = -1;
        sql << query, soci::into(n);
        return n;
    }
    testing::temp_dir dir;
    soci::session sql;
};

TEST_F(MigrationsTest, AppliesEveryMigrationOnceAndRecordsIt) {
    auto all = all_migrations();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(apply_migrations(sql, all), static_cast<int>(all.size()));
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), static_cast<int>(all.size()));
    EXPECT_EQ(count("SELECT MAX(version) FROM schema_migrations"), all.back().version);
}

TEST_F(MigrationsTest, SecondRunChangesNothing) {
    apply_migrations(sql, all_migrations());
    EXPECT_EQ(apply_migrations(sql, all_migrations()), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
              static_cast<int>(all_migrations().size()));
}

TEST_F(MigrationsTest, CreatesTheWholeDataModel) {
    apply_migrations(sql, all_migrations());
    for (const char* table : {"rooms", "room_members", "calls", "call_participants", "files"}) {
        EXPECT_EQ(count(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                    "name = '") +
                        table + "'"),
                  1)
            << table;
    }
}

TEST_F(MigrationsTest, OnlyNewMigrationsRunOnAnExistingDatabase) {
    std::vector<migration> first_only(all_migrations().begin(), all_migrations().begin() + 1);
    EXPECT_EQ(apply_migrations(sql, first_only), 1);
    std::vector<migration> with_new = first_only;
    with_new.push_back({first_only.back().version + 1,
                        "add a column",
                        {"ALTER TABLE rooms ADD COLUMN topic TEXT"}});
    EXPECT_EQ(apply_migrations(sql, with_new), 1);
    EXPECT_EQ(apply_migrations(sql, with_new), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST_F(MigrationsTest, FailedMigrationLeavesNoTrace) {
    std::vector<migration> broken = {
        {1, "half broken", {"CREATE TABLE t (x INTEGER)", "THIS IS NOT SQL"}}};
    EXPECT_THROW(apply_migrations(sql, broken), soci::soci_error);
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM sqlite_master WHERE name = 't'"), 0);
}

class SchemaTest : public MigrationsTest {
  protected:
    SchemaTest() {
        apply_migrations(sql, all_migrations());
        sql << "INSERT INTO rooms (id, code, created_at, created_by) VALUES ('r1', 'c1', 1, 'm1')";
        sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
               "VALUES ('m1', 'r1', 'A', 1)";
    }
};

TEST_F(SchemaTest, OneActiveCallPerRoom) {
    sql << "INSERT INTO calls (id, room_id, started_by, started_at) VALUES ('c1', 'r1', 'm1', 1)";
    EXPECT_THROW(sql << "INSERT INTO calls (id, room_id, started_by, started_at) "
                        "VALUES ('c2', 'r1', 'm1', 2)",
                 soci::soci_error);
    sql << "UPDATE calls SET ended_at = 3 WHERE id = 'c1'";
    EXPECT_NO_THROW(sql << "INSERT INTO calls (id, room_id, started_by, started_at) "
                           "VALUES ('c3', 'r1', 'm1', 4)");
}

TEST_F(SchemaTest, RoomCodesAreUnique) {
    EXPECT_THROW(sql << "INSERT INTO rooms (id, code, created_at, created_by) "
                        "VALUES ('r2', 'c1', 1, 'm1')",
                 soci::soci_error);
}

TEST_F(SchemaTest, ForeignKeysHold) {
    EXPECT_THROW(sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
                        "VALUES ('m2', 'no-such-room', 'B', 1)",
                 soci::soci_error);
    EXPECT_THROW(sql << "INSERT INTO files (id, room_id, uploader_id, filename, mime_type, "
                        "size_bytes, sha256, storage_key, created_at, upload_expires_at) "
                        "VALUES ('f1', 'r1', 'nobody', 'a', 'b', 1, 'x', 'k', 1, 2)",
                 soci::soci_error);
}

}  // namespace
}  // namespace parlor::store
