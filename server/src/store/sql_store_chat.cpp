// The chat half of sql_store: messages, numbered as room events, and their history.
#include <soci/soci.h>

#include <algorithm>
#include <limits>

#include "store/sql_store.hpp"
#include "store/sql_support.hpp"

namespace parlor::store {
namespace {

using detail::count_of;
using detail::write_transaction;

constexpr const char* message_select =
    "SELECT c.id, c.room_id, c.member_id, m.display_name, c.text, c.created_at, c.seq "
    "FROM chat_messages c JOIN room_members m ON m.id = c.member_id ";

message_record message_from(const soci::row& r) {
    message_record message;
    message.id = r.get<std::string>(0);
    message.room_id = r.get<std::string>(1);
    message.member_id = r.get<std::string>(2);
    message.author_name = r.get<std::string>(3);
    message.text = r.get<std::string>(4);
    message.created_at = r.get<long long>(5);
    message.seq = r.get<long long>(6);
    return message;
}

}  // namespace

post_outcome sql_store::insert_message(message_record& message, std::int64_t room_max_messages) {
    return with_session([&](soci::session& sql) {
        write_transaction tx(sql, *dialect_);
        // In the same transaction: a member removed meanwhile posts nothing.
        sql << "SELECT display_name FROM room_members WHERE id = :id AND left_at IS NULL",
            soci::use(message.member_id), soci::into(message.author_name);
        if (!sql.got_data()) return post_outcome::not_member;
        if (count_of(sql, "SELECT COUNT(*) FROM chat_messages WHERE room_id = :room",
                     message.room_id) >= room_max_messages) {
            return post_outcome::room_full;
        }
        auto seq = detail::number_events(sql, message.room_id, 1);
        long long created_at = message.created_at, number = seq;
        sql << "INSERT INTO chat_messages (id, room_id, member_id, text, created_at, seq) "
               "VALUES (:id, :room, :member, :text, :at, :seq)",
            soci::use(message.id), soci::use(message.room_id), soci::use(message.member_id),
            soci::use(message.text), soci::use(created_at), soci::use(number);
        detail::touch_room(sql, message.room_id, created_at);
        tx.commit();
        message.seq = seq;
        return post_outcome::posted;
    });
}

std::optional<std::vector<message_record>> sql_store::messages_before(std::string_view room_id,
                                                                      std::string_view before_id,
                                                                      int limit) {
    return with_session([&](soci::session& sql) -> std::optional<std::vector<message_record>> {
        std::string room(room_id), before(before_id);
        detail::read_transaction tx(sql, *dialect_);
        long long before_seq = 0;
        if (!before.empty()) {
            sql << "SELECT seq FROM chat_messages WHERE id = :id AND room_id = :room",
                soci::use(before), soci::use(room), soci::into(before_seq);
            if (!sql.got_data()) return std::nullopt;
        }
        auto messages = latest_messages_in(sql, room, limit, before_seq);
        tx.commit();
        return messages;
    });
}

std::vector<message_record> sql_store::latest_messages_in(soci::session& sql,
                                                          const std::string& room_id, int limit,
                                                          std::int64_t before_seq) {
    long long below = before_seq > 0 ? before_seq : std::numeric_limits<long long>::max();
    std::vector<message_record> messages;
    soci::rowset<soci::row> rows =
        (sql.prepare << message_select
                     << "WHERE c.room_id = :room AND c.seq < :below ORDER BY c.seq DESC "
                        "LIMIT :limit",
         soci::use(room_id), soci::use(below), soci::use(limit));
    for (const auto& r : rows) messages.push_back(message_from(r));
    std::ranges::reverse(messages);
    return messages;
}

}  // namespace parlor::store
