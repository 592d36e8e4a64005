#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.hpp"
#include "rooms/caller.hpp"
#include "rooms/room_events.hpp"  // left_call
#include "store/metadata_store.hpp"

namespace parlor::rooms {

bool takes_part(const store::call_record& call, std::string_view member_id);

struct join_result {
    store::call_record call;
    bool newly_joined = false;  // false when the member was already in (joining twice is harmless)
    std::int64_t seq = 0;       // call:participant-joined's number, when newly joined
};

// The call state machine of protocol.md: one active call per room, a capacity (6 by
// default), ended only by its starter or the room's creator, over when the last one
// leaves. Blocking (it calls the store); failures are parlor::error with the protocol's
// call codes. The realtime layer turns results into events, numbered as the store numbered
// them (`seq`: see store::metadata_store).
class call_service {
  public:
    // Counts joins by result and the duration of every call that ends here.
    call_service(store::metadata_store& store, const clock& clock, int capacity,
                 metrics& counts = metrics::unexported());

    int capacity() const { return capacity_; }

    store::call_record start(const caller& who, std::int64_t* seq = nullptr);
    join_result join(const caller& who, std::string_view call_id);
    // reason: "left" (asked) or "dropped" (gone past the grace period).
    store::leave_outcome leave(const caller& who, std::string_view call_id,
                               std::string_view reason);
    void end(const caller& who, std::string_view call_id, std::int64_t* seq = nullptr);
    // Leaves the room's active call if the member is in it (leaving the room, or dropped).
    std::optional<left_call> leave_current(const caller& who, std::string_view reason);

    // The room's active call, if any, for snapshots and signal checks.
    std::optional<store::call_record> active(std::string_view room_id);
    // Every participant of every active call, as callers (at startup, when none is online).
    std::vector<caller> participants_of_active_calls();

  private:
    join_result join_counted(const caller& who, std::string_view call_id);
    store::call_record active_call_named(const caller& who, std::string_view call_id);

    // The call ended now (by its last one leaving, or by end()).
    void record_end(const store::call_record& call);
    // Runs a start or a join, counting its result.
    template <class Attempt>
    auto counted(std::string_view success, Attempt&& attempt);

    store::metadata_store& store_;
    const clock& clock_;
    int capacity_;
    metrics& metrics_;
};

}  // namespace parlor::rooms
