#include "store/sql_dialect.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

#include "store/database_location.hpp"

namespace parlor::store::detail {
namespace {

class sqlite_dialect : public sql_dialect {
  public:
    explicit sqlite_dialect(std::filesystem::path path) : path_(std::move(path)) {}

    std::string_view name() const override { return "SQLite"; }

    void open(soci::session& sql) const override {
        // "timeout" is SQLite's busy timeout in seconds: a writer waits for another rather
        // than failing at once.
        sql.open(*soci::factory_sqlite3(), "db=\"" + path_.string() + "\" timeout=5");
        sql << "PRAGMA foreign_keys = ON";
        sql << "PRAGMA journal_mode = WAL";
        sql << "PRAGMA synchronous = NORMAL";
    }

    // Takes the write lock at BEGIN, so that concurrent writers wait for each other (busy
    // timeout) instead of one failing at its first write after a read.
    std::string_view begin_write() const override { return "BEGIN IMMEDIATE"; }
    // In WAL mode, one snapshot from the first read to the end.
    std::string_view begin_read() const override { return "BEGIN"; }

    // Writers already wait for each other; one process holds the file.
    failure_kind classify(const soci::soci_error&, soci::session&) const override {
        return failure_kind::other;
    }
    void lock_migrations(soci::session&) const override {}
    void unlock_migrations(soci::session&) const override {}

  private:
    std::filesystem::path path_;
};

class postgresql_dialect : public sql_dialect {
  public:
    explicit postgresql_dialect(std::string url) : url_(std::move(url)) {}

    std::string_view name() const override { return "PostgreSQL"; }

    // Session settings travel in the URL (database_location adds them), so that a
    // reconnected session has them too.
    void open(soci::session& sql) const override { sql.open(*soci::factory_postgresql(), url_); }

    // READ COMMITTED would let two instances both count 5 callers and both insert a sixth;
    // SERIALIZABLE refuses one of them instead (40001), and the store runs it again.
    std::string_view begin_write() const override { return "BEGIN ISOLATION LEVEL SERIALIZABLE"; }
    std::string_view begin_read() const override {
        return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    }

    failure_kind classify(const soci::soci_error& failure, soci::session& sql) const override {
        if (auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&failure)) {
            auto state = pg->sqlstate();
            // serialization_failure, deadlock_detected, unique_violation (a concurrent
            // insert won: the next try sees its row and answers as the rules say).
            if (state == "40001" || state == "40P01" || state == "23505") {
                return failure_kind::conflict;
            }
            if (state.starts_with("08") || state == "57P01" || state == "57P02" ||
                state == "57P03") {
                return failure_kind::lost_connection;  // connection exceptions, admin shutdown
            }
        }
        if (failure.get_error_category() == soci::soci_error::connection_error ||
            !sql.is_connected()) {
            return failure_kind::lost_connection;
        }
        return failure_kind::other;
    }

    // A session-level advisory lock: released by the unlock, or by the server when the
    // session ends (an instance killed while migrating).
    void lock_migrations(soci::session& sql) const override {
        sql << "SELECT pg_advisory_lock(" << migration_lock_key << ")";
    }
    void unlock_migrations(soci::session& sql) const override {
        sql << "SELECT pg_advisory_unlock(" << migration_lock_key << ")";
    }

  private:
    // Any fixed number the deployment's other programs do not use: "parlor" in ASCII.
    static constexpr long long migration_lock_key = 0x7061726c6f72;
    std::string url_;
};

}  // namespace

std::unique_ptr<sql_dialect> dialect_for(const database_location& where) {
    if (where.is_postgres()) return std::make_unique<postgresql_dialect>(where.postgres_url);
    return std::make_unique<sqlite_dialect>(where.sqlite_path);
}

}  // namespace parlor::store::detail
