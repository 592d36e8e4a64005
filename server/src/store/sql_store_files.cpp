// The files half of sql_store: prepared uploads, completion, a room's history, cleanup.
#include <soci/soci.h>

#include "store/sql_store.hpp"
#include "store/sql_support.hpp"

namespace parlor::store {
namespace {

constexpr const char* file_select =
    "SELECT f.id, f.room_id, f.uploader_id, m.display_name, f.filename, f.mime_type, "
    "f.size_bytes, f.sha256, f.storage_key, f.created_at, f.upload_expires_at, f.completed_at "
    "FROM files f JOIN room_members m ON m.id = f.uploader_id ";

file_record file_from(const soci::row& r) {
    file_record f;
    f.id = r.get<std::string>(0);
    f.room_id = r.get<std::string>(1);
    f.uploader_id = r.get<std::string>(2);
    f.uploader_name = r.get<std::string>(3);
    f.filename = r.get<std::string>(4);
    f.mime_type = r.get<std::string>(5);
    f.size_bytes = r.get<long long>(6);
    f.sha256 = r.get<std::string>(7);
    f.storage_key = r.get<std::string>(8);
    f.created_at = r.get<long long>(9);
    f.upload_expires_at = r.get<long long>(10);
    if (r.get_indicator(11) == soci::i_ok) f.completed_at = r.get<long long>(11);
    return f;
}

}  // namespace

quota_check sql_store::insert_prepared_file(const file_record& file, const room_quota& quota) {
    return with_session([&](soci::session& sql) {
        detail::write_transaction tx(sql, *dialect_);
        long long size = file.size_bytes, created = file.created_at,
                  expires = file.upload_expires_at;
        quota_check check;
        long long files = 0, bytes = 0;
        sql << "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM files WHERE room_id = :room "
               "AND (completed_at IS NOT NULL OR upload_expires_at >= :now)",
            soci::use(file.room_id), soci::use(created), soci::into(files), soci::into(bytes);
        check.usage = {files, bytes};
        if (files + 1 > quota.max_files) {
            check.verdict = quota_verdict::too_many_files;
        } else if (bytes + size > quota.max_bytes) {
            check.verdict = quota_verdict::too_many_bytes;
        }
        if (check.verdict != quota_verdict::within) return check;
        sql << "INSERT INTO files (id, room_id, uploader_id, filename, mime_type, size_bytes, "
               "sha256, storage_key, created_at, upload_expires_at) VALUES (:id, :room, :uploader, "
               ":filename, :mime, :size, :sha, :key, :created, :expires)",
            soci::use(file.id), soci::use(file.room_id), soci::use(file.uploader_id),
            soci::use(file.filename), soci::use(file.mime_type), soci::use(size),
            soci::use(file.sha256), soci::use(file.storage_key), soci::use(created),
            soci::use(expires);
        tx.commit();
        return check;
    });
}

std::optional<file_record> sql_store::find_file(std::string_view file_id) {
    return with_session([&](soci::session& sql) -> std::optional<file_record> {
        std::string id(file_id);
        soci::rowset<soci::row> rows =
            (sql.prepare << file_select << "WHERE f.id = :id", soci::use(id));
        for (const auto& r : rows) return file_from(r);
        return std::nullopt;
    });
}

complete_outcome sql_store::complete_file(std::string_view file_id, millis at,
                                          const room_quota& quota, std::int64_t* seq) {
    return with_session([&](soci::session& sql) {
        std::string id(file_id), room;
        long long completed = at, size = 0;
        detail::write_transaction tx(sql, *dialect_);
        sql << "SELECT room_id, size_bytes FROM files WHERE id = :id AND completed_at IS NULL",
            soci::use(id), soci::into(room), soci::into(size);
        if (!sql.got_data()) return complete_outcome::not_pending;
        // Only the visible files count here: the uploads under way were admitted by prepare.
        long long files = 0, bytes = 0;
        sql << "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM files "
               "WHERE room_id = :room AND completed_at IS NOT NULL",
            soci::use(room), soci::into(files), soci::into(bytes);
        if (files + 1 > quota.max_files) return complete_outcome::too_many_files;
        if (bytes + size > quota.max_bytes) return complete_outcome::too_many_bytes;
        if (detail::changed_rows(sql,
                                 "UPDATE files SET completed_at = :at "
                                 "WHERE id = :id AND completed_at IS NULL",
                                 soci::use(completed), soci::use(id)) != 1) {
            return complete_outcome::not_pending;
        }
        detail::touch_room(sql, room, completed);
        auto last = detail::number_events(sql, room, 1);
        tx.commit();
        if (seq) *seq = last;
        return complete_outcome::completed;
    });
}

std::vector<file_record> sql_store::room_files(std::string_view room_id) {
    return with_session(
        [&](soci::session& sql) { return room_files_in(sql, std::string(room_id)); });
}

std::vector<file_record> sql_store::room_files_in(soci::session& sql, const std::string& room_id) {
    std::vector<file_record> files;
    soci::rowset<soci::row> rows =
        (sql.prepare << file_select
                     << "WHERE f.room_id = :room AND f.completed_at IS NOT NULL "
                        "ORDER BY f.completed_at, f.id",
         soci::use(room_id));
    for (const auto& r : rows) files.push_back(file_from(r));
    return files;
}

std::vector<file_record> sql_store::expired_prepared_files(millis now, int limit) {
    return with_session([&](soci::session& sql) {
        long long before = now;
        std::vector<file_record> files;
        soci::rowset<soci::row> rows =
            (sql.prepare << file_select
                         << "WHERE f.completed_at IS NULL AND f.upload_expires_at < :now "
                            "ORDER BY f.upload_expires_at LIMIT :limit",
             soci::use(before), soci::use(limit));
        for (const auto& r : rows) files.push_back(file_from(r));
        return files;
    });
}

bool sql_store::delete_prepared_file(std::string_view file_id) {
    return with_session([&](soci::session& sql) {
        std::string id(file_id);
        return detail::changed_rows(sql,
                                    "DELETE FROM files WHERE id = :id AND completed_at IS NULL",
                                    soci::use(id)) == 1;
    });
}

bool sql_store::upload_pending(std::string_view storage_key) {
    return with_session([&](soci::session& sql) {
        std::string key(storage_key);
        int pending = 0;
        sql << "SELECT COUNT(*) FROM files WHERE storage_key = :key AND completed_at IS NULL",
            soci::use(key), soci::into(pending);
        return pending > 0;
    });
}

}  // namespace parlor::store
