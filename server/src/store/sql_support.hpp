#pragma once

// What the sql_store's translation units share: pooled sessions, write transactions and
// the error boundary. Internal to store/.

#include <soci/soci.h>

#include <spdlog/spdlog.h>

#include <string>

#include "common/error.hpp"
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

// A write transaction that takes SQLite's write lock at BEGIN, so that concurrent writers
// wait for each other (busy timeout) instead of one failing at its first write after a
// read. Rolls back unless committed.
class write_transaction {
  public:
    explicit write_transaction(soci::session& sql) : sql_(sql) { sql_ << "BEGIN IMMEDIATE"; }
    ~write_transaction() {
        if (done_) return;
        try {
            sql_ << "ROLLBACK";
        } catch (const soci::soci_error& e) {
            spdlog::error("rollback failed: {}", e.what());
        }
    }
    write_transaction(const write_transaction&) = delete;
    write_transaction& operator=(const write_transaction&) = delete;
    void commit() {
        sql_ << "COMMIT";
        done_ = true;
    }

  private:
    soci::session& sql_;
    bool done_ = false;
};

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

}  // namespace detail

template <class Work>
auto sql_store::with_session(Work&& work) {
    try {
        detail::leased_session lease(*pool_);
        return work(lease.get());
    } catch (const soci::soci_error& e) {
        // The database's own words stay in the log; clients get the protocol's code only.
        spdlog::error("database error: {}", e.what());
        throw error(error_code::unavailable, "The database is unavailable, try again shortly");
    }
}

}  // namespace parlor::store
