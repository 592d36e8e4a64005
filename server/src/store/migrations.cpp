#include "store/migrations.hpp"

#include <soci/soci.h>

#include <spdlog/spdlog.h>

#include <string>

#include "common/time.hpp"

namespace parlor::store {
namespace {

// Portable SQL (SQLite and PostgreSQL): TEXT ids (UUIDs), BIGINT times in epoch ms.
const std::vector<migration> migrations = {
    {1,
     "initial schema",
     {
         R"(CREATE TABLE rooms (
              id TEXT PRIMARY KEY,
              code TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              created_by TEXT NOT NULL))",
         "CREATE UNIQUE INDEX rooms_code ON rooms (code)",
         R"(CREATE TABLE room_members (
              id TEXT PRIMARY KEY,
              room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
              display_name TEXT NOT NULL,
              joined_at BIGINT NOT NULL,
              left_at BIGINT))",
         "CREATE INDEX room_members_room ON room_members (room_id, joined_at)",
         R"(CREATE TABLE calls (
              id TEXT PRIMARY KEY,
              room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
              started_by TEXT NOT NULL REFERENCES room_members (id),
              started_at BIGINT NOT NULL,
              ended_at BIGINT,
              end_reason TEXT,
              ended_by TEXT REFERENCES room_members (id)))",
         // At most one active call per room, enforced by the database itself.
         "CREATE UNIQUE INDEX calls_one_active_per_room ON calls (room_id) "
         "WHERE ended_at IS NULL",
         R"(CREATE TABLE call_participants (
              id TEXT PRIMARY KEY,
              call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
              member_id TEXT NOT NULL REFERENCES room_members (id),
              joined_at BIGINT NOT NULL,
              left_at BIGINT,
              leave_reason TEXT))",
         "CREATE UNIQUE INDEX call_participants_active ON call_participants (call_id, member_id) "
         "WHERE left_at IS NULL",
         "CREATE INDEX call_participants_member ON call_participants (member_id)",
         R"(CREATE TABLE files (
              id TEXT PRIMARY KEY,
              room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
              uploader_id TEXT NOT NULL REFERENCES room_members (id),
              filename TEXT NOT NULL,
              mime_type TEXT NOT NULL,
              size_bytes BIGINT NOT NULL,
              sha256 TEXT NOT NULL,
              storage_key TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              upload_expires_at BIGINT NOT NULL,
              completed_at BIGINT))",
         "CREATE INDEX files_room_history ON files (room_id, completed_at)",
         "CREATE INDEX files_pending ON files (upload_expires_at) WHERE completed_at IS NULL",
     }},
    {2,
     "room activity for retention",
     {
         // When anything last happened in the room; rooms idle past --room-retention-days
         // are deleted. Existing rooms start from their latest join, file or call.
         "ALTER TABLE rooms ADD COLUMN last_active_at BIGINT NOT NULL DEFAULT 0",
         "UPDATE rooms SET last_active_at = created_at",
         "UPDATE rooms SET last_active_at = (SELECT MAX(joined_at) FROM room_members m "
         "WHERE m.room_id = rooms.id) WHERE (SELECT MAX(joined_at) FROM room_members m "
         "WHERE m.room_id = rooms.id) > last_active_at",
         "UPDATE rooms SET last_active_at = (SELECT MAX(completed_at) FROM files f "
         "WHERE f.room_id = rooms.id) WHERE (SELECT MAX(completed_at) FROM files f "
         "WHERE f.room_id = rooms.id) > last_active_at",
         "UPDATE rooms SET last_active_at = (SELECT MAX(started_at) FROM calls c "
         "WHERE c.room_id = rooms.id) WHERE (SELECT MAX(started_at) FROM calls c "
         "WHERE c.room_id = rooms.id) > last_active_at",
         "CREATE INDEX rooms_last_active ON rooms (last_active_at)",
     }},
    {3,
     "uploads found by their storage key",
     {
         // A PUT to a local upload link asks whether its upload is still wanted.
         "CREATE UNIQUE INDEX files_storage_key ON files (storage_key)",
     }},
    {4,
     "room event numbers",
     {
         // The number of the room's last event (protocol.md "seq"): each change that makes
         // events takes the next numbers in its own transaction.
         "ALTER TABLE rooms ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0",
     }},
    {5,
     "chat, locked rooms, removed members, raised hands",
     {
         "ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0",
         // A member who left because the room's creator removed them: their token is
         // refused as revoked, not merely as someone who left.
         "ALTER TABLE room_members ADD COLUMN removed INTEGER NOT NULL DEFAULT 0",
         "ALTER TABLE room_members ADD COLUMN hand_raised_at BIGINT",
         // seq is the message's event number in its room (chat:message): the history's
         // order, and what paging by `before` counts back from.
         R"(CREATE TABLE chat_messages (
              id TEXT PRIMARY KEY,
              room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
              member_id TEXT NOT NULL REFERENCES room_members (id),
              text TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              seq BIGINT NOT NULL))",
         "CREATE UNIQUE INDEX chat_messages_history ON chat_messages (room_id, seq)",
     }},
};

}  // namespace

std::span<const migration> all_migrations() {
    return migrations;
}

int apply_migrations(soci::session& sql, std::span<const migration> pending) {
    sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
           "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    int applied = 0;
    for (const auto& m : pending) {
        soci::transaction tx(sql);
        int found = 0;
        sql << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(m.version),
            soci::into(found);
        if (found > 0) continue;  // the transaction rolls back; nothing was written
        for (auto statement : m.statements) sql << std::string(statement);
        std::string name(m.name);
        millis now = system_clock().now();
        sql << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
            soci::use(m.version), soci::use(name), soci::use(now);
        tx.commit();
        spdlog::info("applied schema migration {} ({})", m.version, m.name);
        ++applied;
    }
    return applied;
}

}  // namespace parlor::store
