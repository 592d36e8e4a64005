#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rooms/caller.hpp"
#include "store/records.hpp"

namespace parlor::rooms {

// A call someone has just left, and whether that ended it. Its events are numbered up to
// `seq`: call:participant-left, then call:ended (seq) when it ended.
struct left_call {
    std::string call_id;
    bool call_ended = false;
    std::int64_t seq = 0;
};

// A member left the room for good, over REST or over their socket, or was removed by the
// room's creator.
struct departure {
    caller who;
    std::optional<left_call> call;  // the call they were in and have now left
    std::int64_t seq = 0;           // member:left's number (0: they had left already)
    bool removed = false;           // member:left's reason: "removed", not "left"

    const char* reason() const { return removed ? "removed" : "left"; }
};

// What the rooms layer tells whoever keeps people informed (the realtime layer), so that
// every way of leaving has the same effects. Called from the blocking pool: thread-safe.
class room_events {
  public:
    virtual ~room_events() = default;
    virtual void member_left(const departure& gone) = 0;
    // A file became visible to its room; file:added is event `seq` of the room.
    virtual void file_added(const store::file_record& file, std::int64_t seq) = 0;
};

}  // namespace parlor::rooms
