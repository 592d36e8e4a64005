#pragma once

#include <filesystem>
#include <string>

namespace parlor::store {

// Where the metadata lives, from --database-url:
// - `sqlite:PATH` (or `sqlite:///abs/path`): the embedded default, a file;
// - `postgresql://user:password@host:port/dbname?param=value` (or `postgres://`): the libpq
//   URL forms. Parlor adds connection defaults the URL does not set (connect_timeout=5,
//   TCP keepalives, a statement timeout), so that a database that goes away is noticed in
//   seconds instead of hanging requests.
struct database_location {
    std::filesystem::path sqlite_path;  // set for SQLite
    std::string postgres_url;           // set for PostgreSQL: what libpq connects with

    bool is_postgres() const { return !postgres_url.empty(); }
    // Which database, for the log: never the password.
    std::string describe() const;

    // Throws std::invalid_argument with a message for the operator.
    static database_location parse(const std::string& url);
    static database_location sqlite(std::filesystem::path path) { return {std::move(path), {}}; }
};

}  // namespace parlor::store
