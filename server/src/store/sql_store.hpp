#pragma once

#include <memory>
#include <string>

#include "store/database_location.hpp"
#include "store/metadata_store.hpp"

namespace soci {
class connection_pool;
class session;
}  // namespace soci

namespace parlor::store {

namespace detail {
class sql_dialect;
}

// metadata_store on SOCI, over SQLite or PostgreSQL (sql_dialect holds what differs). One
// pool of sessions, each used by one blocking thread at a time. A session whose connection
// was lost reconnects at its next use, so the store comes back by itself with the database.
class sql_store : public metadata_store {
  public:
    sql_store(const database_location& where, std::size_t pool_size);
    ~sql_store() override;

    // Applies pending schema migrations; returns how many ran.
    int migrate();

    void check() override;
    bool insert_room_with_creator(const room_record& room, const member_record& creator) override;
    std::optional<room_record> find_room_by_code(std::string_view code) override;
    std::optional<room_record> find_room_by_id(std::string_view room_id) override;
    bool insert_member(const member_record& member) override;
    std::optional<member_record> find_member(std::string_view member_id) override;
    void rename_member(std::string_view member_id, std::string_view display_name) override;
    bool mark_member_left(std::string_view member_id, millis at, std::int64_t* seq = nullptr,
                          bool removed = false) override;
    bool set_room_locked(std::string_view room_id, bool locked,
                         std::int64_t* seq = nullptr) override;
    bool set_hand(std::string_view member_id, std::optional<millis> raised_at,
                  std::int64_t* seq = nullptr) override;
    std::vector<member_record> present_members(std::string_view room_id) override;
    room_contents read_room_contents(std::string_view room_id) override;
    std::optional<call_record> active_call(std::string_view room_id) override;
    std::vector<call_record> active_calls() override;
    std::int64_t count_active_calls() override;
    start_outcome start_call(const call_record& call, std::int64_t* seq = nullptr) override;
    join_outcome join_call(std::string_view call_id, std::string_view member_id, millis at,
                           int capacity, std::int64_t* seq = nullptr) override;
    leave_outcome leave_call(std::string_view call_id, std::string_view member_id, millis at,
                             std::string_view reason) override;
    bool end_call(std::string_view call_id, millis at, std::string_view reason,
                  std::string_view ended_by, std::int64_t* seq = nullptr) override;
    std::int64_t number_event(std::string_view room_id) override;
    quota_check insert_prepared_file(const file_record& file, const room_quota& quota) override;
    std::optional<file_record> find_file(std::string_view file_id) override;
    complete_outcome complete_file(std::string_view file_id, millis at, const room_quota& quota,
                                   std::int64_t* seq = nullptr) override;
    std::vector<file_record> room_files(std::string_view room_id) override;
    std::vector<file_record> expired_prepared_files(millis now, int limit) override;
    bool delete_prepared_file(std::string_view file_id) override;
    bool upload_pending(std::string_view storage_key) override;
    post_outcome insert_message(message_record& message, std::int64_t room_max_messages) override;
    std::optional<std::vector<message_record>> messages_before(std::string_view room_id,
                                                               std::string_view before_id,
                                                               int limit) override;
    void touch_room(std::string_view room_id, millis at) override;
    std::vector<std::string> idle_rooms(millis before, int limit) override;
    std::optional<std::vector<std::string>> delete_idle_room(std::string_view room_id,
                                                             millis before) override;

  private:
    // A transaction that met others this many times in a row gives up (503).
    static constexpr int max_conflict_attempts = 10;

    // Runs `work(session)` on a pooled session; runs it again after a conflict, or once more
    // after a lost connection; throws error(unavailable) when the database fails it.
    template <class Work>
    auto with_session(Work&& work);  // defined in sql_support.hpp
    // The reads, on a session the caller holds (inside its transaction, if any).
    static std::vector<member_record> present_members_in(soci::session& sql,
                                                         const std::string& room_id);
    static std::optional<call_record> active_call_in(soci::session& sql,
                                                     const std::string& room_id);
    static std::vector<file_record> room_files_in(soci::session& sql, const std::string& room_id);
    // Up to `limit` messages numbered below `before_seq` (all when 0), oldest first.
    static std::vector<message_record> latest_messages_in(soci::session& sql,
                                                          const std::string& room_id, int limit,
                                                          std::int64_t before_seq = 0);
    // `column` is "id" or "code", never input from the network.
    std::optional<room_record> find_room(std::string_view column, std::string_view value);

    std::unique_ptr<detail::sql_dialect> dialect_;
    std::unique_ptr<soci::connection_pool> pool_;
};

}  // namespace parlor::store
