#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/rate_limiter.hpp"
#include "blobs/blob_store.hpp"
#include "common/metrics.hpp"
#include "rooms/caller.hpp"
#include "rooms/room_events.hpp"
#include "store/metadata_store.hpp"

namespace parlor::files {

struct file_limits {
    std::uint64_t max_file_bytes = 100 * 1024 * 1024;
    std::chrono::seconds upload_ttl{15 * 60};
    std::chrono::seconds download_ttl{5 * 60};
    // A room's quota: its visible files and the uploads under way together.
    std::int64_t room_max_files = 500;
    std::int64_t room_max_bytes = std::int64_t{2} << 30;
    // Uploads stop while the blob store's disk has less free than this (0: no floor).
    std::uint64_t min_free_disk = std::uint64_t{1} << 30;
    int prepares_per_minute = 60;  // per member; 0: no limit
    // What prepare refuses (--blocked-file-types), lowercase: see blocked_file_type().
    std::vector<std::string> blocked_types = {};
};

// "2 GiB", "100 MiB", "1.5 KiB", "900 bytes": for messages people read.
std::string size_in_words(std::uint64_t bytes);

// What the uploader declares; the edge has checked the JSON types.
struct upload_request {
    std::string filename;
    std::string mime_type;
    std::uint64_t size_bytes = 0;
    std::string sha256;
};

struct prepared_upload {
    std::string file_id;
    blobs::signed_request upload;
};

struct completion {
    store::file_record file;
    bool newly_completed = false;  // false: it was already complete (complete is idempotent)
};

// The rules of a room's shared files: a file is prepared (a signed upload URL), its bytes
// go straight to the blob store, and it becomes visible to the room only once `complete`
// has checked the stored object's size and SHA-256 (where the store knows it). Downloads
// are signed URLs for members of the file's room. A room holds at most
// `room_max_files` files and `room_max_bytes` bytes, uploads under way included, and
// nobody uploads while the disk is nearly full. Blocking: run on the blocking pool.
class file_service {
  public:
    // Counts every upload that ends: completed, refused (at prepare or at complete, by the
    // error's code), or expired unused.
    file_service(store::metadata_store& store, blobs::blob_store& blobs, const clock& clock,
                 file_limits limits, metrics& counts = metrics::unexported());

    // Who hears of new files; set once at startup, before any request.
    void notify(rooms::room_events& events) { events_ = &events; }
    const file_limits& limits() const { return limits_; }

    prepared_upload prepare(const rooms::caller& who, const upload_request& request);
    completion complete(const rooms::caller& who, std::string_view file_id);
    std::vector<store::file_record> history(std::string_view room_id);
    blobs::signed_request download(const rooms::caller& who, std::string_view file_id);

    // Whether bytes for this storage key are still wanted: its file is prepared and not yet
    // completed (not completed, swept, refused at completion, nor gone with its room). A
    // signed upload link is good until it expires; this is the rest of its validity.
    bool upload_wanted(std::string_view storage_key);

    // Forgets prepared uploads whose URL has expired, and their bytes. Returns how many.
    std::size_t sweep_expired();

  private:
    prepared_upload admit(const rooms::caller& who, const upload_request& request);
    store::file_record file_in_room(const rooms::caller& who, std::string_view file_id);
    store::room_quota quota() const;
    void check_free_disk(std::uint64_t size);

    store::metadata_store& store_;
    blobs::blob_store& blobs_;
    const clock& clock_;
    file_limits limits_;
    auth::rate_limiter prepares_;  // keyed by member id
    rooms::room_events* events_ = nullptr;
    metrics& metrics_;
};

}  // namespace parlor::files
