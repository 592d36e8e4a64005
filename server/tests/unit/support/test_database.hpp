#pragma once

// A fresh, empty metadata database for a test, of either kind the store supports: a SQLite
// file in a temporary directory, or a database of its own on the tests' PostgreSQL server.
// Store tests are written once and instantiated for both (see kinds_of_database).

#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "store/database_location.hpp"
#include "support/temp_dir.hpp"

namespace parlor::testing {

enum class database_kind { sqlite, postgresql };

// For INSTANTIATE_TEST_SUITE_P: the test's name ends in /SQLite or /PostgreSQL (ctest gives
// the PostgreSQL ones the `postgres` fixture, which starts the server).
inline const auto kinds_of_database =
    ::testing::Values(database_kind::sqlite, database_kind::postgresql);
inline std::string database_kind_name(const ::testing::TestParamInfo<database_kind>& info) {
    return info.param == database_kind::sqlite ? "SQLite" : "PostgreSQL";
}

// A PostgreSQL server of its own (scripts/test-postgres.sh), stopped and removed with the
// object: for a test that takes its database away, and for a test binary run outside ctest.
class postgres_server {
  public:
    postgres_server() : state_(dir_.path() / "state") {
        if (!run("start")) throw std::runtime_error("could not start PostgreSQL for the tests");
        std::ifstream in(state_ / "url");
        std::string url;
        std::getline(in, url);
        base_url_ = url.substr(0, url.rfind('/') + 1);
    }
    ~postgres_server() { run("stop"); }
    postgres_server(const postgres_server&) = delete;
    postgres_server& operator=(const postgres_server&) = delete;

    // postgresql://parlor@127.0.0.1:PORT/ : add a database name.
    const std::string& base_url() const { return base_url_; }
    // Stops the server and keeps its data: clients see connections refused.
    void halt() {
        if (!run("halt")) throw std::runtime_error("could not stop PostgreSQL");
    }
    // Starts it again on the same port.
    void resume() {
        if (!run("resume")) throw std::runtime_error("could not start PostgreSQL again");
    }

  private:
    bool run(const char* action) const {
        auto command = std::string(PARLOR_TEST_POSTGRES_SCRIPT) + " " + action + " '" +
                       state_.string() + "' >/dev/null";
        return std::system(command.c_str()) == 0;
    }
    temp_dir dir_;
    std::filesystem::path state_;
    std::string base_url_;
};

// The server the tests share: the one ctest's `postgres` fixture started (its state
// directory in $PARLOR_TEST_POSTGRES_STATE), or one for this process alone.
inline const std::string& shared_postgres_base_url() {
    static const std::string base = [] {
        if (const char* state = std::getenv("PARLOR_TEST_POSTGRES_STATE"); state) {
            std::ifstream in(std::filesystem::path(state) / "url");
            std::string url;
            if (std::getline(in, url)) return url.substr(0, url.rfind('/') + 1);
        }
        static postgres_server own;
        return own.base_url();
    }();
    return base;
}

class test_database {
  public:
    // SQLite, or PostgreSQL on the shared server.
    explicit test_database(database_kind kind) : kind_(kind) {
        if (kind_ == database_kind::sqlite) {
            url_ = "sqlite:" + (dir_.path() / "parlor.db").string();
        } else {
            create_on(shared_postgres_base_url());
        }
    }
    // PostgreSQL on a server of the test's own.
    explicit test_database(const postgres_server& server) : kind_(database_kind::postgresql) {
        create_on(server.base_url());
    }
    ~test_database() {
        if (kind_ != database_kind::postgresql) return;
        try {
            admin() << "DROP DATABASE IF EXISTS " << name_ << " WITH (FORCE)";
        } catch (const std::exception&) {
            // The server may be gone already (a test that stopped it); ctest's fixture removes
            // the whole cluster at the end.
        }
    }
    test_database(const test_database&) = delete;
    test_database& operator=(const test_database&) = delete;

    database_kind kind() const { return kind_; }
    // For --database-url.
    const std::string& url() const { return url_; }
    store::database_location location() const { return store::database_location::parse(url_); }

  private:
    void create_on(const std::string& server) {
        server_ = server;
        name_ = "parlor_test_";
        std::random_device entropy;
        for (int i = 0; i < 12; ++i)
            name_ += "abcdefghijklmnopqrstuvwxyz0123456789"[entropy() % 36];
        admin() << "CREATE DATABASE " << name_;
        url_ = server_ + name_;
    }
    // On the server's own database. Through database_location, as the server connects: SOCI
    // reads its connection string as key=value pairs, which a URL without parameters is not.
    soci::session admin() const {
        return soci::session(*soci::factory_postgresql(),
                             store::database_location::parse(server_ + "postgres").postgres_url);
    }

    database_kind kind_;
    temp_dir dir_;
    std::string server_;
    std::string name_;
    std::string url_;
};

}  // namespace parlor::testing
