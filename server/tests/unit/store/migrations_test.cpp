#include "store/migrations.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <thread>

#include "store/sql_dialect.hpp"
#include "store/sql_store.hpp"
#include "support/test_database.hpp"

namespace parlor::store {
namespace {

class MigrationsTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    MigrationsTest() : db(GetParam()) { detail::dialect_for(db.location())->open(sql); }
    int count(const std::string& query) {
        int n = -1;
        sql << query, soci::into(n);
        return n;
    }
    // Whether `table` exists: selecting from it works.
    bool has_table(const std::string& table) {
        try {
            count("SELECT COUNT(*) FROM " + table);
            return true;
        } catch (const soci::soci_error&) {
            return false;
        }
    }
    testing::test_database db;
    soci::session sql;
};

TEST_P(MigrationsTest, AppliesEveryMigrationOnceAndRecordsIt) {
    auto all = all_migrations();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(apply_migrations(sql, all), static_cast<int>(all.size()));
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), static_cast<int>(all.size()));
    EXPECT_EQ(count("SELECT MAX(version) FROM schema_migrations"), all.back().version);
}

TEST_P(MigrationsTest, SecondRunChangesNothing) {
    apply_migrations(sql, all_migrations());
    EXPECT_EQ(apply_migrations(sql, all_migrations()), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
              static_cast<int>(all_migrations().size()));
}

TEST_P(MigrationsTest, CreatesTheWholeDataModel) {
    apply_migrations(sql, all_migrations());
    for (const char* table : {"rooms", "room_members", "calls", "call_participants", "files"}) {
        EXPECT_TRUE(has_table(table)) << table;
    }
}

TEST_P(MigrationsTest, OnlyNewMigrationsRunOnAnExistingDatabase) {
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

TEST_P(MigrationsTest, FailedMigrationLeavesNoTrace) {
    std::vector<migration> broken = {
        {1, "half broken", {"CREATE TABLE t (x INTEGER)", "THIS IS NOT SQL"}}};
    EXPECT_THROW(apply_migrations(sql, broken), soci::soci_error);
    EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 0);
    EXPECT_FALSE(has_table("t"));
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

TEST_P(SchemaTest, OneActiveCallPerRoom) {
    sql << "INSERT INTO calls (id, room_id, started_by, started_at) VALUES ('c1', 'r1', 'm1', 1)";
    EXPECT_THROW(sql << "INSERT INTO calls (id, room_id, started_by, started_at) "
                        "VALUES ('c2', 'r1', 'm1', 2)",
                 soci::soci_error);
    sql << "UPDATE calls SET ended_at = 3 WHERE id = 'c1'";
    EXPECT_NO_THROW(sql << "INSERT INTO calls (id, room_id, started_by, started_at) "
                           "VALUES ('c3', 'r1', 'm1', 4)");
}

TEST_P(SchemaTest, RoomCodesAreUnique) {
    EXPECT_THROW(sql << "INSERT INTO rooms (id, code, created_at, created_by) "
                        "VALUES ('r2', 'c1', 1, 'm1')",
                 soci::soci_error);
}

TEST_P(SchemaTest, ForeignKeysHold) {
    EXPECT_THROW(sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
                        "VALUES ('m2', 'no-such-room', 'B', 1)",
                 soci::soci_error);
    EXPECT_THROW(sql << "INSERT INTO files (id, room_id, uploader_id, filename, mime_type, "
                        "size_bytes, sha256, storage_key, created_at, upload_expires_at) "
                        "VALUES ('f1', 'r1', 'nobody', 'a', 'b', 1, 'x', 'k', 1, 2)",
                 soci::soci_error);
}

// Two instances that start at once on one PostgreSQL: each migration runs once, and neither
// fails (the first holds the migration lock; the second then finds nothing to do).
TEST(PostgreSQLMigrations, InstancesStartingTogetherApplyEachMigrationOnce) {
    for (int round = 0; round < 3; ++round) {
        testing::test_database fresh{testing::database_kind::postgresql};
        std::atomic<int> applied = 0, failed = 0;
        std::vector<std::thread> instances;
        for (int i = 0; i < 4; ++i) {
            instances.emplace_back([&] {
                try {
                    sql_store store(fresh.location(), 1);
                    applied += store.migrate();
                } catch (const std::exception&) {
                    ++failed;
                }
            });
        }
        for (auto& t : instances) t.join();
        EXPECT_EQ(failed, 0) << "round " << round;
        EXPECT_EQ(applied, static_cast<int>(all_migrations().size())) << "round " << round;
    }
}

INSTANTIATE_TEST_SUITE_P(, MigrationsTest, testing::kinds_of_database, testing::database_kind_name);
INSTANTIATE_TEST_SUITE_P(, SchemaTest, testing::kinds_of_database, testing::database_kind_name);

}  // namespace
}  // namespace parlor::store
