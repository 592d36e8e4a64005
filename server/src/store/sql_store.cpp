#include "store/sql_store.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/error.hpp"
#include "store/migrations.hpp"

namespace parlor::store {
namespace {

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

member_record member_from(const soci::row& r) {
    member_record m;
    m.id = r.get<std::string>(0);
    m.room_id = r.get<std::string>(1);
    m.display_name = r.get<std::string>(2);
    m.joined_at = r.get<long long>(3);
    if (r.get_indicator(4) == soci::i_ok) m.left_at = r.get<long long>(4);
    return m;
}

constexpr const char* member_columns = "id, room_id, display_name, joined_at, left_at";

}  // namespace

database_location database_location::parse(const std::string& url) {
    constexpr std::string_view sqlite_prefix = "sqlite:";
    if (url.starts_with(sqlite_prefix)) {
        std::string path = url.substr(sqlite_prefix.size());
        if (path.starts_with("//")) path = path.substr(2);  // sqlite:///abs/path
        if (path.empty()) throw std::invalid_argument("the SQLite database URL has no path");
        return {std::filesystem::path(path)};
    }
    if (url.starts_with("postgres")) {
        throw std::invalid_argument(
            "PostgreSQL is not supported by this build yet; use sqlite:PATH");
    }
    throw std::invalid_argument("unknown database URL '" + url +
                                "'; expected sqlite:PATH (for example sqlite:./data/parlor.db)");
}

sql_store::sql_store(const database_location& where, std::size_t pool_size)
    : pool_size_(pool_size), pool_(std::make_unique<soci::connection_pool>(pool_size)) {
    // "timeout" is SQLite's busy timeout in seconds: a writer waits for another rather
    // than failing at once.
    std::string params = "db=\"" + where.sqlite_path.string() + "\" timeout=5";
    for (std::size_t i = 0; i < pool_size_; ++i) {
        auto& sql = pool_->at(i);
        sql.open(*soci::factory_sqlite3(), params);
        sql << "PRAGMA foreign_keys = ON";
        sql << "PRAGMA journal_mode = WAL";
        sql << "PRAGMA synchronous = NORMAL";
    }
}

sql_store::~sql_store() = default;

template <class Work>
auto sql_store::with_session(Work&& work) {
    try {
        leased_session lease(*pool_);
        return work(lease.get());
    } catch (const soci::soci_error& e) {
        // The database's own words stay in the log; clients get the protocol's code only.
        spdlog::error("database error: {}", e.what());
        throw error(error_code::unavailable, "The database is unavailable, try again shortly");
    }
}

int sql_store::migrate() {
    return with_session([](soci::session& sql) { return apply_migrations(sql, all_migrations()); });
}

void sql_store::check() {
    with_session([](soci::session& sql) {
        int one = 0;
        sql << "SELECT 1", soci::into(one);
    });
}

bool sql_store::insert_room_with_creator(const room_record& room, const member_record& creator) {
    return with_session([&](soci::session& sql) {
        soci::transaction tx(sql);
        int taken = 0;
        sql << "SELECT COUNT(*) FROM rooms WHERE code = :code", soci::use(room.code),
            soci::into(taken);
        if (taken > 0) return false;
        long long created_at = room.created_at, joined_at = creator.joined_at;
        sql << "INSERT INTO rooms (id, code, created_at, created_by) "
               "VALUES (:id, :code, :created_at, :created_by)",
            soci::use(room.id), soci::use(room.code), soci::use(created_at),
            soci::use(room.created_by);
        sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
               "VALUES (:id, :room_id, :name, :joined_at)",
            soci::use(creator.id), soci::use(creator.room_id), soci::use(creator.display_name),
            soci::use(joined_at);
        tx.commit();
        return true;
    });
}

std::optional<room_record> sql_store::find_room_by_code(std::string_view code) {
    return with_session([&](soci::session& sql) -> std::optional<room_record> {
        std::string wanted(code);
        room_record room;
        long long created_at = 0;
        sql << "SELECT id, code, created_at, created_by FROM rooms WHERE code = :code",
            soci::use(wanted), soci::into(room.id), soci::into(room.code), soci::into(created_at),
            soci::into(room.created_by);
        if (!sql.got_data()) return std::nullopt;
        room.created_at = created_at;
        return room;
    });
}

void sql_store::insert_member(const member_record& member) {
    with_session([&](soci::session& sql) {
        long long joined_at = member.joined_at;
        sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
               "VALUES (:id, :room_id, :name, :joined_at)",
            soci::use(member.id), soci::use(member.room_id), soci::use(member.display_name),
            soci::use(joined_at);
    });
}

std::optional<member_record> sql_store::find_member(std::string_view member_id) {
    return with_session([&](soci::session& sql) -> std::optional<member_record> {
        std::string id(member_id);
        soci::rowset<soci::row> rows =
            (sql.prepare << "SELECT " << member_columns << " FROM room_members WHERE id = :id",
             soci::use(id));
        for (const auto& r : rows) return member_from(r);
        return std::nullopt;
    });
}

void sql_store::rename_member(std::string_view member_id, std::string_view display_name) {
    with_session([&](soci::session& sql) {
        std::string id(member_id), name(display_name);
        sql << "UPDATE room_members SET display_name = :name WHERE id = :id", soci::use(name),
            soci::use(id);
    });
}

void sql_store::mark_member_left(std::string_view member_id, millis at) {
    with_session([&](soci::session& sql) {
        std::string id(member_id);
        long long left_at = at;
        sql << "UPDATE room_members SET left_at = :at WHERE id = :id AND left_at IS NULL",
            soci::use(left_at), soci::use(id);
    });
}

std::vector<member_record> sql_store::present_members(std::string_view room_id) {
    return with_session([&](soci::session& sql) {
        std::string id(room_id);
        std::vector<member_record> members;
        soci::rowset<soci::row> rows =
            (sql.prepare << "SELECT " << member_columns
                         << " FROM room_members WHERE room_id = :room AND left_at IS NULL "
                            "ORDER BY joined_at, id",
             soci::use(id));
        for (const auto& r : rows) members.push_back(member_from(r));
        return members;
    });
}

}  // namespace parlor::store
