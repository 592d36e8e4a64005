#pragma once

// What differs between the databases behind sql_store: how a session opens, how a
// transaction begins, which failures deserve another try, and how two instances starting at
// once keep out of each other's migrations. Internal to store/.

#include <memory>
#include <string_view>

namespace soci {
class session;
class soci_error;
}  // namespace soci

namespace parlor::store {

struct database_location;

namespace detail {

// What a failed statement means for the work that ran it.
enum class failure_kind {
    // A bug or a refusal that another try would meet again.
    other,
    // Another transaction got in the way (PostgreSQL's serialization failures and
    // deadlocks, and a unique index that a concurrent insert won): running the whole
    // transaction again gives the answer the rules expect (e.g. `call_active`).
    conflict,
    // The connection is gone (the server restarted, the network dropped it).
    lost_connection,
};

class sql_dialect {
  public:
    virtual ~sql_dialect() = default;

    // "SQLite" or "PostgreSQL", for the log.
    virtual std::string_view name() const = 0;
    // Opens `sql` on the database and sets it up.
    virtual void open(soci::session& sql) const = 0;
    // The statement that begins a transaction that writes: every write transaction sees the
    // database as if it ran alone (SQLite's write lock; PostgreSQL's SERIALIZABLE, with
    // conflicts retried).
    virtual std::string_view begin_write() const = 0;
    // The statement that begins a transaction that only reads, from one snapshot.
    virtual std::string_view begin_read() const = 0;
    virtual failure_kind classify(const soci::soci_error& failure, soci::session& sql) const = 0;
    // Held while migrations run, so that instances starting together apply each once.
    virtual void lock_migrations(soci::session& sql) const = 0;
    virtual void unlock_migrations(soci::session& sql) const = 0;
};

std::unique_ptr<sql_dialect> dialect_for(const database_location& where);

}  // namespace detail
}  // namespace parlor::store
