#include "files/file_service.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/random.hpp"
#include "files/file_fields.hpp"

namespace parlor::files {

std::string size_in_words(std::uint64_t bytes) {
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    double value = static_cast<double>(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 5) {
        value /= 1024;
        ++unit;
    }
    // One decimal, none when it is zero: "2 GiB", "1.5 GiB".
    auto tenths = static_cast<std::uint64_t>(value * 10 + 0.5);
    std::string number = std::to_string(tenths / 10);
    if (tenths % 10 != 0) number += "." + std::to_string(tenths % 10);
    return number + " " + units[unit];
}

namespace {

millis after(millis now, std::chrono::seconds ttl) {
    return now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
}

}  // namespace

file_service::file_service(store::metadata_store& store, blobs::blob_store& blobs,
                           const clock& clock, file_limits limits, metrics& counts)
    : store_(store),
      blobs_(blobs),
      clock_(clock),
      limits_(limits),
      prepares_(limits.prepares_per_minute, clock),
      metrics_(counts) {}

prepared_upload file_service::prepare(const rooms::caller& who, const upload_request& request) {
    try {
        return admit(who, request);
    } catch (const error& refused) {
        metrics_.file_upload(code_name(refused.code()), 0);
        throw;
    }
}

prepared_upload file_service::admit(const rooms::caller& who, const upload_request& request) {
    if (auto wait = prepares_.acquire(who.member_id)) {
        throw error(error_code::rate_limited,
                    "Too many uploads started; try again in " + std::to_string(*wait) + " s")
            .with_retry_after(*wait);
    }
    if (request.size_bytes > limits_.max_file_bytes) {
        throw error(error_code::payload_too_large,
                    "Files can be at most " + size_in_words(limits_.max_file_bytes));
    }
    check_free_disk(request.size_bytes);
    millis now = clock_.now();
    store::file_record file;
    file.id = uuid_v4();
    file.room_id = who.room_id;
    file.uploader_id = who.member_id;
    file.filename = display_filename(request.filename);
    file.mime_type = normalized_mime_type(request.mime_type);
    file.size_bytes = static_cast<std::int64_t>(request.size_bytes);
    file.sha256 = normalized_sha256(request.sha256);
    if (auto type = blocked_file_type(limits_.blocked_types, file.filename, file.mime_type);
        !type.empty()) {
        throw error(error_code::file_type_not_allowed,
                    "Files of type " + type + " are not allowed in this room");
    }
    file.storage_key = uuid_v4();  // never derived from anything the client sent
    file.created_at = now;
    file.upload_expires_at = after(now, limits_.upload_ttl);
    auto upload = blobs_.presign_upload(file.storage_key, request.size_bytes, file.mime_type,
                                        file.sha256, file.upload_expires_at);
    auto check = store_.insert_prepared_file(file, quota());
    switch (check.verdict) {
        case store::quota_verdict::within:
            break;
        case store::quota_verdict::too_many_files:
            throw error(error_code::quota_exceeded,
                        "This room already holds " + std::to_string(limits_.room_max_files) +
                            " files (uploads under way included), the most a room may hold");
        case store::quota_verdict::too_many_bytes:
            throw error(error_code::quota_exceeded,
                        "This file would take the room past " +
                            size_in_words(static_cast<std::uint64_t>(limits_.room_max_bytes)) +
                            " of files, the most a room may hold (" +
                            size_in_words(static_cast<std::uint64_t>(check.usage.bytes)) +
                            " already used)");
    }
    return {file.id, std::move(upload)};
}

completion file_service::complete(const rooms::caller& who, std::string_view file_id) {
    auto file = file_in_room(who, file_id);
    if (file.completed_at) return {std::move(file), false};
    if (file.uploader_id != who.member_id) {
        throw error(error_code::forbidden, "Only the uploader can complete this upload");
    }
    auto stored = blobs_.stat(file.storage_key);
    if (!stored) throw error(error_code::upload_incomplete, "The file's bytes have not arrived");
    if (stored->size != static_cast<std::uint64_t>(file.size_bytes)) {
        blobs_.remove(file.storage_key);  // so that the upload can be tried again
        throw error(error_code::upload_incomplete,
                    "The stored file has " + std::to_string(stored->size) + " bytes, not " +
                        std::to_string(file.size_bytes));
    }
    if (stored->sha256 && *stored->sha256 != file.sha256) {
        blobs_.remove(file.storage_key);
        metrics_.file_upload(code_name(error_code::checksum_mismatch), 0);
        throw error(error_code::checksum_mismatch,
                    "The stored bytes do not match the declared SHA-256");
    }
    millis now = clock_.now();
    std::int64_t seq = 0;
    auto outcome = store_.complete_file(file.id, now, quota(), &seq);
    if (outcome == store::complete_outcome::too_many_files ||
        outcome == store::complete_outcome::too_many_bytes) {
        // The room filled up while this upload's link had run out (or the quota was lowered):
        // the file cannot join it, so neither its row nor its bytes stay.
        if (store_.delete_prepared_file(file.id)) blobs_.remove(file.storage_key);
        metrics_.file_upload(code_name(error_code::quota_exceeded), 0);
        throw error(error_code::quota_exceeded,
                    outcome == store::complete_outcome::too_many_files
                        ? "This room already holds " + std::to_string(limits_.room_max_files) +
                              " files, the most a room may hold"
                        : "This file would take the room past " +
                              size_in_words(static_cast<std::uint64_t>(limits_.room_max_bytes)) +
                              " of files, the most a room may hold");
    }
    if (outcome == store::complete_outcome::completed) {
        file.completed_at = now;
        metrics_.file_upload("completed", file.size_bytes);
        if (events_) events_->file_added(file, seq);
        return {std::move(file), true};
    }
    // Someone completed it meanwhile (or the sweep took it): read what is there now.
    auto done = store_.find_file(file.id);
    if (!done || !done->completed_at) {
        throw error(error_code::file_not_found, "This upload has expired; upload the file again");
    }
    return {std::move(*done), false};
}

std::vector<store::file_record> file_service::history(std::string_view room_id) {
    return store_.room_files(room_id);
}

blobs::signed_request file_service::download(const rooms::caller& who, std::string_view file_id) {
    auto file = file_in_room(who, file_id);
    if (!file.completed_at) throw error(error_code::file_not_found, "No such file in this room");
    return blobs_.presign_download(file.storage_key, {file.filename, file.mime_type},
                                   after(clock_.now(), limits_.download_ttl));
}

std::size_t file_service::sweep_expired() {
    std::size_t swept = 0;
    for (;;) {
        auto expired = store_.expired_prepared_files(clock_.now(), 100);
        for (const auto& file : expired) {
            // The row goes first: a file completed meanwhile keeps its bytes.
            if (!store_.delete_prepared_file(file.id)) continue;
            blobs_.remove(file.storage_key);
            metrics_.file_upload("expired", 0);
            ++swept;
        }
        if (expired.size() < 100) return swept;
    }
}

store::room_quota file_service::quota() const {
    return {limits_.room_max_files, limits_.room_max_bytes};
}

// The floor keeps room for the database and the files already promised: an upload that
// would take the disk below it is refused before it starts.
void file_service::check_free_disk(std::uint64_t size) {
    if (limits_.min_free_disk == 0) return;
    auto free = blobs_.free_space();
    if (!free || *free >= size + limits_.min_free_disk) return;
    spdlog::warn(nlohmann::json{{"event", "upload_refused_low_disk"},
                                {"free_bytes", *free},
                                {"min_free_disk", limits_.min_free_disk}}
                     .dump());
    throw error(error_code::quota_exceeded, "The server is low on disk space (it keeps " +
                                                size_in_words(limits_.min_free_disk) +
                                                " free), so uploads are paused; try again later");
}

// A file of the caller's room; another room's files do not exist for them.
store::file_record file_service::file_in_room(const rooms::caller& who, std::string_view file_id) {
    auto file = store_.find_file(file_id);
    if (!file || file->room_id != who.room_id) {
        throw error(error_code::file_not_found, "No such file in this room");
    }
    return std::move(*file);
}

bool file_service::upload_wanted(std::string_view storage_key) {
    return store_.upload_pending(storage_key);
}

}  // namespace parlor::files
