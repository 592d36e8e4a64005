#include "files/file_service.hpp"

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/random.hpp"
#include "files/file_fields.hpp"

namespace parlor::files {
namespace {

std::string size_in_words(std::uint64_t bytes) {
    constexpr std::uint64_t mib = 1024 * 1024;
    if (bytes % mib == 0) return std::to_string(bytes / mib) + " MiB";
    return std::to_string(bytes) + " bytes";
}

millis after(millis now, std::chrono::seconds ttl) {
    return now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
}

}  // namespace

file_service::file_service(store::metadata_store& store, blobs::blob_store& blobs,
                           const clock& clock, file_limits limits)
    : store_(store), blobs_(blobs), clock_(clock), limits_(limits) {}

prepared_upload file_service::prepare(const rooms::caller& who, const upload_request& request) {
    if (request.size_bytes > limits_.max_file_bytes) {
        throw error(error_code::payload_too_large,
                    "Files can be at most " + size_in_words(limits_.max_file_bytes));
    }
    millis now = clock_.now();
    store::file_record file;
    file.id = uuid_v4();
    file.room_id = who.room_id;
    file.uploader_id = who.member_id;
    file.filename = display_filename(request.filename);
    file.mime_type = normalized_mime_type(request.mime_type);
    file.size_bytes = static_cast<std::int64_t>(request.size_bytes);
    file.sha256 = normalized_sha256(request.sha256);
    file.storage_key = uuid_v4();  // never derived from anything the client sent
    file.created_at = now;
    file.upload_expires_at = after(now, limits_.upload_ttl);
    auto upload = blobs_.presign_upload(file.storage_key, request.size_bytes, file.mime_type,
                                        file.upload_expires_at);
    store_.insert_prepared_file(file);
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
        throw error(error_code::checksum_mismatch,
                    "The stored bytes do not match the declared SHA-256");
    }
    millis now = clock_.now();
    if (store_.complete_file(file.id, now)) {
        file.completed_at = now;
        if (events_) events_->file_added(file);
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
            ++swept;
        }
        if (expired.size() < 100) return swept;
    }
}

// A file of the caller's room; another room's files do not exist for them.
store::file_record file_service::file_in_room(const rooms::caller& who, std::string_view file_id) {
    auto file = store_.find_file(file_id);
    if (!file || file->room_id != who.room_id) {
        throw error(error_code::file_not_found, "No such file in this room");
    }
    return std::move(*file);
}

}  // namespace parlor::files
