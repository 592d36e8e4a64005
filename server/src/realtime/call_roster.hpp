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
// bus brings it; so does the last socket of the room leaving this instance. A forgotten
// room holds no memory here. A read that raced with any forgetting is not remembered (the
// generation counts every forget, so an entry can go without losing that). Thread-safe.
class call_roster {
  public:
    using entry = std::shared_ptr<const std::optional<store::call_record>>;

    // The room's remembered call (an empty optional inside: no call), or null when it must
    // be read; then `generation` is what remember() needs.
    entry find(const std::string& room_id, std::uint64_t& generation) const;
    // Keeps what was read (unless something was forgotten meanwhile) and returns it.
    entry remember(const std::string& room_id, std::uint64_t generation,
                   std::optional<store::call_record> call);
    void forget(const std::string& room_id);

    // Rooms remembered now.
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::uint64_t generation_ = 0;  // forget() calls so far
    std::unordered_map<std::string, entry> rooms_;
};

}  // namespace parlor::realtime
