#include "store/sql_store.hpp"

#include <soci/soci.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <thread>

#include "common/error.hpp"
#include "common/random.hpp"
#include "store/migrations.hpp"
#include "store/sql_support.hpp"

namespace parlor::store {
namespace {

using detail::changed_rows;
using detail::count_of;
using detail::write_transaction;

void insert_participant(soci::session& sql, const std::string& call_id,
                        const std::string& member_id, long long joined_at) {
    std::string id = uuid_v4();
    sql << "INSERT INTO call_participants (id, call_id, member_id, joined_at) "
           "VALUES (:id, :call, :member, :at)",
        soci::use(id), soci::use(call_id), soci::use(member_id), soci::use(joined_at);
}

member_record member_from(const soci::row& r) {
    member_record m;
    m.id = r.get<std::string>(0);
    m.room_id = r.get<std::string>(1);
    m.display_name = r.get<std::string>(2);
    m.joined_at = r.get<long long>(3);
    if (r.get_indicator(4) == soci::i_ok) m.left_at = r.get<long long>(4);
    m.removed = r.get<int>(5) != 0;
    if (r.get_indicator(6) == soci::i_ok) m.hand_raised_at = r.get<long long>(6);
    return m;
}

constexpr const char* member_columns =
    "id, room_id, display_name, joined_at, left_at, removed, hand_raised_at";

}  // namespace

void detail::wait_before_retry(int attempt) {
    thread_local std::minstd_rand jitter{std::random_device{}()};
    std::uniform_int_distribution<int> micros(0, 2000 * attempt);
    std::this_thread::sleep_for(std::chrono::microseconds(micros(jitter)));
}

sql_store::sql_store(const database_location& where, std::size_t pool_size)
    : dialect_(detail::dialect_for(where)),
      pool_(std::make_unique<soci::connection_pool>(pool_size)) {
    for (std::size_t i = 0; i < pool_size; ++i) dialect_->open(pool_->at(i));
}

sql_store::~sql_store() = default;

int sql_store::migrate() {
    return with_session([this](soci::session& sql) {
        detail::migration_lock lock(sql, *dialect_);
        return apply_migrations(sql, all_migrations());
    });
}

void sql_store::check() {
    with_session([](soci::session& sql) {
        int one = 0;
        sql << "SELECT 1", soci::into(one);
    });
}

bool sql_store::insert_room_with_creator(const room_record& room, const member_record& creator) {
    return with_session([&](soci::session& sql) {
        write_transaction tx(sql, *dialect_);
        int taken = 0;
        sql << "SELECT COUNT(*) FROM rooms WHERE code = :code", soci::use(room.code),
            soci::into(taken);
        if (taken > 0) return false;
        long long created_at = room.created_at, joined_at = creator.joined_at;
        sql << "INSERT INTO rooms (id, code, created_at, created_by, last_active_at) "
               "VALUES (:id, :code, :created_at, :created_by, :active_at)",
            soci::use(room.id), soci::use(room.code), soci::use(created_at),
            soci::use(room.created_by), soci::use(created_at);
        sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
               "VALUES (:id, :room_id, :name, :joined_at)",
            soci::use(creator.id), soci::use(creator.room_id), soci::use(creator.display_name),
            soci::use(joined_at);
        tx.commit();
        return true;
    });
}

std::optional<room_record> sql_store::find_room_by_code(std::string_view code) {
    return find_room("code", code);
}

std::optional<room_record> sql_store::find_room_by_id(std::string_view room_id) {
    return find_room("id", room_id);
}

std::optional<room_record> sql_store::find_room(std::string_view column, std::string_view value) {
    return with_session([&](soci::session& sql) -> std::optional<room_record> {
        std::string wanted(value);
        room_record room;
        long long created_at = 0;
        int locked = 0;
        sql << "SELECT id, code, created_at, created_by, locked FROM rooms WHERE "
            << std::string(column) << " = :value",
            soci::use(wanted), soci::into(room.id), soci::into(room.code), soci::into(created_at),
            soci::into(room.created_by), soci::into(locked);
        if (!sql.got_data()) return std::nullopt;
        room.created_at = created_at;
        room.locked = locked != 0;
        return room;
    });
}

bool sql_store::insert_member(const member_record& member) {
    return with_session([&](soci::session& sql) {
        long long joined_at = member.joined_at;
        write_transaction tx(sql, *dialect_);
        if (count_of(sql, "SELECT COUNT(*) FROM rooms WHERE id = :room AND locked <> 0",
                     member.room_id) > 0) {
            return false;
        }
        sql << "INSERT INTO room_members (id, room_id, display_name, joined_at) "
               "VALUES (:id, :room_id, :name, :joined_at)",
            soci::use(member.id), soci::use(member.room_id), soci::use(member.display_name),
            soci::use(joined_at);
        detail::touch_room(sql, member.room_id, joined_at);
        tx.commit();
        return true;
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

bool sql_store::mark_member_left(std::string_view member_id, millis at, std::int64_t* seq,
                                 bool removed) {
    return with_session([&](soci::session& sql) {
        std::string id(member_id), room;
        long long left_at = at;
        int was_removed = removed ? 1 : 0;
        write_transaction tx(sql, *dialect_);
        sql << "SELECT room_id FROM room_members WHERE id = :id AND left_at IS NULL", soci::use(id),
            soci::into(room);
        if (!sql.got_data()) return false;  // left already (or never was)
        sql << "UPDATE room_members SET left_at = :at, removed = :removed, hand_raised_at = NULL "
               "WHERE id = :id",
            soci::use(left_at), soci::use(was_removed), soci::use(id);
        auto last = detail::number_events(sql, room, 1);
        tx.commit();
        if (seq) *seq = last;
        return true;
    });
}

bool sql_store::set_room_locked(std::string_view room_id, bool locked, std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        std::string room(room_id);
        int value = locked ? 1 : 0;
        write_transaction tx(sql, *dialect_);
        if (changed_rows(sql,
                         "UPDATE rooms SET locked = :locked WHERE id = :room AND locked <> :was",
                         soci::use(value), soci::use(room), soci::use(value)) == 0) {
            return false;
        }
        auto last = detail::number_events(sql, room, 1);
        tx.commit();
        if (seq) *seq = last;
        return true;
    });
}

bool sql_store::set_hand(std::string_view member_id, std::optional<millis> raised_at,
                         std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        std::string id(member_id), room;
        write_transaction tx(sql, *dialect_);
        sql << "SELECT room_id FROM room_members WHERE id = :id AND left_at IS NULL", soci::use(id),
            soci::into(room);
        if (!sql.got_data()) return false;
        long long at = raised_at.value_or(0);
        bool changed = raised_at ? changed_rows(sql,
                                                "UPDATE room_members SET hand_raised_at = :at "
                                                "WHERE id = :id AND hand_raised_at IS NULL",
                                                soci::use(at), soci::use(id)) > 0
                                 : changed_rows(sql,
                                                "UPDATE room_members SET hand_raised_at = NULL "
                                                "WHERE id = :id AND hand_raised_at IS NOT NULL",
                                                soci::use(id)) > 0;
        if (!changed) return false;
        auto last = detail::number_events(sql, room, 1);
        tx.commit();
        if (seq) *seq = last;
        return true;
    });
}

std::vector<member_record> sql_store::present_members(std::string_view room_id) {
    return with_session(
        [&](soci::session& sql) { return present_members_in(sql, std::string(room_id)); });
}

std::vector<member_record> sql_store::present_members_in(soci::session& sql,
                                                         const std::string& room_id) {
    std::vector<member_record> members;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT " << member_columns
                     << " FROM room_members WHERE room_id = :room AND left_at IS NULL "
                        "ORDER BY joined_at, id",
         soci::use(room_id));
    for (const auto& r : rows) members.push_back(member_from(r));
    return members;
}

metadata_store::room_contents sql_store::read_room_contents(std::string_view room_id) {
    return with_session([&](soci::session& sql) {
        std::string room(room_id);
        // One snapshot of the database for all three.
        detail::read_transaction tx(sql, *dialect_);
        room_contents contents{active_call_in(sql, room), room_files_in(sql, room),
                               present_members_in(sql, room),
                               latest_messages_in(sql, room, chat_history_in_snapshot)};
        long long seq = 0;
        int locked = 0;
        sql << "SELECT event_seq, locked FROM rooms WHERE id = :room", soci::use(room),
            soci::into(seq), soci::into(locked);
        contents.seq = seq;
        contents.locked = locked != 0;
        tx.commit();
        return contents;
    });
}

std::optional<call_record> sql_store::active_call(std::string_view room_id) {
    return with_session(
        [&](soci::session& sql) { return active_call_in(sql, std::string(room_id)); });
}

std::optional<call_record> sql_store::active_call_in(soci::session& sql,
                                                     const std::string& room_id) {
    call_record call;
    long long started_at = 0;
    sql << "SELECT id, room_id, started_by, started_at FROM calls "
           "WHERE room_id = :room AND ended_at IS NULL",
        soci::use(room_id), soci::into(call.id), soci::into(call.room_id),
        soci::into(call.started_by), soci::into(started_at);
    if (!sql.got_data()) return std::nullopt;
    call.started_at = started_at;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT member_id, joined_at FROM call_participants "
                        "WHERE call_id = :call AND left_at IS NULL ORDER BY joined_at, id",
         soci::use(call.id));
    for (const auto& r : rows) {
        call.participants.push_back({r.get<std::string>(0), r.get<long long>(1)});
    }
    return call;
}

std::vector<call_record> sql_store::active_calls() {
    auto room_ids = with_session([](soci::session& sql) {
        std::vector<std::string> ids;
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT room_id FROM calls WHERE ended_at IS NULL ORDER BY started_at");
        for (const auto& id : rows) ids.push_back(id);
        return ids;
    });
    std::vector<call_record> calls;
    for (const auto& room_id : room_ids) {
        if (auto call = active_call(room_id)) calls.push_back(std::move(*call));
    }
    return calls;
}

std::int64_t sql_store::count_active_calls() {
    return with_session([](soci::session& sql) {
        long long active = 0;
        sql << "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL", soci::into(active);
        return static_cast<std::int64_t>(active);
    });
}

start_outcome sql_store::start_call(const call_record& call, std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        write_transaction tx(sql, *dialect_);
        if (count_of(sql, "SELECT COUNT(*) FROM calls WHERE room_id = :room AND ended_at IS NULL",
                     call.room_id) > 0) {
            return start_outcome::call_active;
        }
        long long started_at = call.started_at;
        sql << "INSERT INTO calls (id, room_id, started_by, started_at) "
               "VALUES (:id, :room, :by, :at)",
            soci::use(call.id), soci::use(call.room_id), soci::use(call.started_by),
            soci::use(started_at);
        insert_participant(sql, call.id, call.started_by, started_at);
        detail::touch_room(sql, call.room_id, started_at);
        auto last = detail::number_events(sql, call.room_id, 1);
        tx.commit();
        if (seq) *seq = last;
        return start_outcome::started;
    });
}

join_outcome sql_store::join_call(std::string_view call_id, std::string_view member_id, millis at,
                                  int capacity, std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        std::string call(call_id), member(member_id), room;
        write_transaction tx(sql, *dialect_);
        sql << "SELECT room_id FROM calls WHERE id = :id AND ended_at IS NULL", soci::use(call),
            soci::into(room);
        if (!sql.got_data()) return join_outcome::not_active;
        int already = 0;
        sql << "SELECT COUNT(*) FROM call_participants "
               "WHERE call_id = :call AND member_id = :member AND left_at IS NULL",
            soci::use(call), soci::use(member), soci::into(already);
        if (already > 0) return join_outcome::already_in;
        if (count_of(sql,
                     "SELECT COUNT(*) FROM call_participants "
                     "WHERE call_id = :call AND left_at IS NULL",
                     call) >= capacity) {
            return join_outcome::full;
        }
        insert_participant(sql, call, member, at);
        detail::touch_room(sql, room, at);
        auto last = detail::number_events(sql, room, 1);
        tx.commit();
        if (seq) *seq = last;
        return join_outcome::joined;
    });
}

leave_outcome sql_store::leave_call(std::string_view call_id, std::string_view member_id, millis at,
                                    std::string_view reason) {
    return with_session([&](soci::session& sql) {
        std::string call(call_id), member(member_id), why(reason);
        long long left_at = at;
        leave_outcome outcome;
        write_transaction tx(sql, *dialect_);
        outcome.was_participant =
            changed_rows(sql,
                         "UPDATE call_participants SET left_at = :at, leave_reason = :why "
                         "WHERE call_id = :call AND member_id = :member AND left_at IS NULL",
                         soci::use(left_at), soci::use(why), soci::use(call),
                         soci::use(member)) > 0;
        if (outcome.was_participant && count_of(sql,
                                                "SELECT COUNT(*) FROM call_participants "
                                                "WHERE call_id = :call AND left_at IS NULL",
                                                call) == 0) {
            outcome.call_ended =
                changed_rows(sql,
                             "UPDATE calls SET ended_at = :at, end_reason = 'empty' "
                             "WHERE id = :call AND ended_at IS NULL",
                             soci::use(left_at), soci::use(call)) > 0;
        }
        if (outcome.was_participant) {
            std::string room;
            sql << "SELECT room_id FROM calls WHERE id = :call", soci::use(call), soci::into(room);
            outcome.seq = detail::number_events(sql, room, outcome.call_ended ? 2 : 1);
        }
        tx.commit();
        return outcome;
    });
}

bool sql_store::end_call(std::string_view call_id, millis at, std::string_view reason,
                         std::string_view ended_by, std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        std::string call(call_id), why(reason), by(ended_by);
        long long ended_at = at;
        write_transaction tx(sql, *dialect_);
        bool ended =
            changed_rows(sql,
                         "UPDATE calls SET ended_at = :at, end_reason = :why, "
                         "ended_by = :by WHERE id = :call AND ended_at IS NULL",
                         soci::use(ended_at), soci::use(why), soci::use(by), soci::use(call)) > 0;
        std::int64_t last = 0;
        if (ended) {
            changed_rows(sql,
                         "UPDATE call_participants SET left_at = :at, leave_reason = 'ended' "
                         "WHERE call_id = :call AND left_at IS NULL",
                         soci::use(ended_at), soci::use(call));
            std::string room;
            sql << "SELECT room_id FROM calls WHERE id = :call", soci::use(call), soci::into(room);
            last = detail::number_events(sql, room, 1);
        }
        tx.commit();
        if (seq && ended) *seq = last;
        return ended;
    });
}

std::int64_t sql_store::number_event(std::string_view room_id) {
    return with_session([&](soci::session& sql) {
        write_transaction tx(sql, *dialect_);
        auto last = detail::number_events(sql, std::string(room_id), 1);
        tx.commit();
        return last;
    });
}

// ---- retention ----

void sql_store::touch_room(std::string_view room_id, millis at) {
    with_session([&](soci::session& sql) { detail::touch_room(sql, std::string(room_id), at); });
}

std::vector<std::string> sql_store::idle_rooms(millis before, int limit) {
    return with_session([&](soci::session& sql) {
        long long cutoff = before;
        std::vector<std::string> ids;
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT id FROM rooms r WHERE r.last_active_at < :before AND NOT "
                            "EXISTS (SELECT 1 FROM calls c WHERE c.room_id = r.id AND "
                            "c.ended_at IS NULL) ORDER BY r.last_active_at, r.id LIMIT :limit",
             soci::use(cutoff), soci::use(limit));
        for (const auto& id : rows) ids.push_back(id);
        return ids;
    });
}

std::optional<std::vector<std::string>> sql_store::delete_idle_room(std::string_view room_id,
                                                                    millis before) {
    return with_session([&](soci::session& sql) -> std::optional<std::vector<std::string>> {
        std::string room(room_id);
        long long cutoff = before;
        write_transaction tx(sql, *dialect_);
        // Checked again under the write lock: a join or a call since idle_rooms() keeps it.
        int idle = 0;
        sql << "SELECT COUNT(*) FROM rooms r WHERE r.id = :room AND r.last_active_at < :before "
               "AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.room_id = r.id AND "
               "c.ended_at IS NULL)",
            soci::use(room), soci::use(cutoff), soci::into(idle);
        if (idle == 0) return std::nullopt;
        std::vector<std::string> keys;
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT storage_key FROM files WHERE room_id = :room", soci::use(room));
        for (const auto& key : rows) keys.push_back(key);
        // Children first, in an order every foreign key accepts (no reliance on cascades).
        sql << "DELETE FROM call_participants WHERE call_id IN "
               "(SELECT id FROM calls WHERE room_id = :room)",
            soci::use(room);
        sql << "DELETE FROM calls WHERE room_id = :room", soci::use(room);
        sql << "DELETE FROM files WHERE room_id = :room", soci::use(room);
        sql << "DELETE FROM chat_messages WHERE room_id = :room", soci::use(room);
        sql << "DELETE FROM room_members WHERE room_id = :room", soci::use(room);
        sql << "DELETE FROM rooms WHERE id = :room", soci::use(room);
        tx.commit();
        return keys;
    });
}

}  // namespace parlor::store
