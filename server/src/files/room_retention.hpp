#pragma once

#include <chrono>
#include <cstddef>

#include "blobs/blob_store.hpp"
#include "common/time.hpp"
#include "bus/presence.hpp"
#include "store/metadata_store.hpp"

namespace parlor::files {

// Deletes rooms nobody has used for `retention`, with their members, calls and files
// (bytes too). Activity is what the store records (creation, a join, a file, a call) plus
// what this sweep finds: a room with an active call or a member online is in use, and its
// clock starts again. Blocking: run on the blocking pool.
class room_retention {
  public:
    // `retention` of zero keeps every room.
    room_retention(store::metadata_store& store, blobs::blob_store& blobs,
                   const bus::presence& presence, const clock& clock,
                   std::chrono::seconds retention);

    bool enabled() const { return retention_.count() > 0; }
    // Deletes the rooms idle past the retention; returns how many.
    std::size_t sweep();

  private:
    bool anyone_online(const std::string& room_id);

    store::metadata_store& store_;
    blobs::blob_store& blobs_;
    const bus::presence& presence_;
    const clock& clock_;
    std::chrono::seconds retention_;
};

}  // namespace parlor::files
