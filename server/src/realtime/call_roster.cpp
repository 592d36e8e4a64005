#include "realtime/call_roster.hpp"

namespace parlor::realtime {

call_roster::entry call_roster::find(const std::string& room_id, std::uint64_t& version) const {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room_id);
    if (it == rooms_.end()) {
        version = 0;
        return nullptr;
    }
    version = it->second.version;
    return it->second.call;
}

call_roster::entry call_roster::remember(const std::string& room_id, std::uint64_t version,
                                         std::optional<store::call_record> call) {
    auto read = std::make_shared<const std::optional<store::call_record>>(std::move(call));
    std::lock_guard lock(mutex_);
    auto& slot = rooms_[room_id];
    if (slot.version == version) slot.call = read;  // else the call changed while being read
    return read;
}

void call_roster::forget(const std::string& room_id) {
    std::lock_guard lock(mutex_);
    auto& slot = rooms_[room_id];
    ++slot.version;
    slot.call.reset();
}

}  // namespace parlor::realtime
