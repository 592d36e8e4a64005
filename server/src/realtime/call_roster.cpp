#include "realtime/call_roster.hpp"

namespace parlor::realtime {

call_roster::entry call_roster::find(const std::string& room_id, std::uint64_t& generation) const {
    std::lock_guard lock(mutex_);
    generation = generation_;
    auto it = rooms_.find(room_id);
    return it == rooms_.end() ? nullptr : it->second;
}

call_roster::entry call_roster::remember(const std::string& room_id, std::uint64_t generation,
                                         std::optional<store::call_record> call) {
    auto read = std::make_shared<const std::optional<store::call_record>>(std::move(call));
    std::lock_guard lock(mutex_);
    // Something was forgotten since the read began; it may have been this room's call.
    if (generation == generation_) rooms_[room_id] = read;
    return read;
}

void call_roster::forget(const std::string& room_id) {
    std::lock_guard lock(mutex_);
    ++generation_;
    rooms_.erase(room_id);
}

std::size_t call_roster::size() const {
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

}  // namespace parlor::realtime
