#pragma once

// What the sql_store's translation units share: pooled sessions, write transactions and
// the error boundary. Internal to store/.

#include <soci/soci.h>

#include <spdlog/spdlog.h>

#include <string>

#include "common/error.hpp"
#include "store/sql_dialect.hpp"
#include "store/sql_store.hpp"

namespace parlor::store {
namespace detail {

// Hands a pooled session back even when the work throws.
class leased_session {
  public:
    explicit leased_session(soci::connection_pool& pool) : pool_(pool), pos_(pool.lease()) {}
    ~leased_session() { pool_.give_back(pos_); }
    leased_session(const leased_session&) = delete;
    leased_session& operator=(const leased_session&) = delete;
    soci::session& get() { return pool_.at(pos_); }

  private:
    soci::connection_pool& pool_;
    std::size_t pos_;
};

// Set when a transaction sends COMMIT on this thread (the work of one with_session call
// runs on one thread): after a lost connection, work whose COMMIT went out may have been
// applied, so it is not run again.
inline thread_local bool commit_sent = false;

// A transaction begun with the dialect's statement; rolls back unless committed.
class sql_transaction {
  public:
    sql_transaction(soci::session& sql, std::string_view begin) : sql_(sql) {
        sql_ << std::string(begin);
    }
    ~sql_transaction() {
        if (done_) return;
        try {
            sql_ << "ROLLBACK";
        } catch (const soci::soci_error& e) {
            spdlog::warn("rollback failed: {}", e.what());
        }
    }
    sql_transaction(const sql_transaction&) = delete;
    sql_transaction& operator=(const sql_transaction&) = delete;
    void commit() {
        commit_sent = true;
        sql_ << "COMMIT";
        done_ = true;
    }

  private:
    soci::session& sql_;
    bool done_ = false;
};

// A transaction that writes: as if it ran alone (see sql_dialect::begin_write).
class write_transaction : public sql_transaction {
  public:
    write_transaction(soci::session& sql, const sql_dialect& dialect)
        : sql_transaction(sql, dialect.begin_write()) {}
};

// A transaction that reads from one snapshot.
class read_transaction : public sql_transaction {
  public:
    read_transaction(soci::session& sql, const sql_dialect& dialect)
        : sql_transaction(sql, dialect.begin_read()) {}
};

// Holds the migration lock of sql_dialect while it lives.
class migration_lock {
  public:
    migration_lock(soci::session& sql, const sql_dialect& dialect) : sql_(sql), dialect_(dialect) {
        dialect_.lock_migrations(sql_);
    }
    ~migration_lock() {
        try {
            dialect_.unlock_migrations(sql_);
        } catch (const soci::soci_error& e) {
            spdlog::warn("releasing the migration lock failed: {}", e.what());
        }
    }
    migration_lock(const migration_lock&) = delete;
    migration_lock& operator=(const migration_lock&) = delete;

  private:
    soci::session& sql_;
    const sql_dialect& dialect_;
};

// Before running a transaction again after a conflict: a few milliseconds, random so that
// the transactions that met do not meet again, longer after each try.
void wait_before_retry(int attempt);

// Runs an UPDATE or DELETE and says how many rows it changed.
template <class... Uses>
inline long long changed_rows(soci::session& sql, const std::string& statement, Uses&&... uses) {
    auto prepared = sql.prepare << statement;
    soci::statement st = (prepared, ..., std::forward<Uses>(uses));
    st.execute(true);
    return st.get_affected_rows();
}

inline int count_of(soci::session& sql, const std::string& query, const std::string& key) {
    int n = 0;
    sql << query, soci::use(key), soci::into(n);
    return n;
}

// Records activity in a room (see metadata_store::touch_room); never moves it back.
inline void touch_room(soci::session& sql, const std::string& room_id, long long at) {
    sql << "UPDATE rooms SET last_active_at = :at WHERE id = :room AND last_active_at < :at2",
        soci::use(at), soci::use(room_id), soci::use(at);
}

// Takes the room's next `count` event numbers (see metadata_store) in the transaction under
// way; returns the last. The room's row is written, so two changes in one room take turns.
inline std::int64_t number_events(soci::session& sql, const std::string& room_id, int count) {
    sql << "UPDATE rooms SET event_seq = event_seq + :n WHERE id = :room", soci::use(count),
        soci::use(room_id);
    long long seq = 0;
    sql << "SELECT event_seq FROM rooms WHERE id = :room", soci::use(room_id), soci::into(seq);
    return seq;
}

}  // namespace detail

template <class Work>
auto sql_store::with_session(Work&& work) {
    try {
        detail::leased_session lease(*pool_);
        for (int attempt = 1;; ++attempt) {
            detail::commit_sent = false;
            try {
                return work(lease.get());
            } catch (const soci::soci_error& e) {
                switch (dialect_->classify(e, lease.get())) {
                    case detail::failure_kind::conflict:
                        if (attempt < max_conflict_attempts) {
                            detail::wait_before_retry(attempt);
                            continue;
                        }
                        spdlog::warn("a transaction met conflicts {} times in a row", attempt);
                        break;
                    case detail::failure_kind::lost_connection:
                        spdlog::warn("the connection to {} was lost ({}); reconnecting",
                                     dialect_->name(), e.what());
                        lease.get().reconnect();  // throws while the database is away
                        // Once more on the new connection, unless COMMIT had gone out.
                        if (attempt == 1 && !detail::commit_sent) continue;
                        break;
                    case detail::failure_kind::other:
                        break;
                }
                throw;
            }
        }
    } catch (const soci::soci_error& e) {
        // The database's own words stay in the log; clients get the protocol's code only.
        spdlog::error("database error: {}", e.what());
        throw error(error_code::unavailable, "The database is unavailable, try again shortly");
    }
}

}  // namespace parlor::store
