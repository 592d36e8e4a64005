#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/records.hpp"

namespace parlor::realtime {

// Each room's active call as signal relaying needs it (who may signal whom), kept in
// memory: one store read per call change instead of one per signal. Every call event
// forgets the room's entry, on this instance when it publishes and on the others when the
// bus brings it. A read that raced with a change is not remembered (versions). Thread-safe.
class call_roster {
  public:
    using entry = std::shared_ptr<const std::optional<store::call_record>>;

    // The room's remembered call (an empty optional inside: no call), or null when it must
    // be read; then `version` is what remember() needs.
    entry find(const std::string& room_id, std::uint64_t& version) const;
    // Keeps what was read (unless the call changed meanwhile) and returns it.
    entry remember(const std::string& room_id, std::uint64_t version,
                   std::optional<store::call_record> call);
    void forget(const std::string& room_id);

  private:
    struct slot {
        std::uint64_t version = 0;
        entry call;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::string, slot> rooms_;
};

}  // namespace parlor::realtime
