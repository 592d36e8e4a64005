#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/time.hpp"

namespace parlor::rooms {

// Who is online, as this instance knows it. Until the realtime layer attaches sockets,
// a member counts as online while their client keeps calling the API (the web client
// refreshes the room state every few seconds): seen within `window` ms.
class presence {
  public:
    presence(const clock& clock, millis window) : clock_(clock), window_(window) {}

    void seen(std::string_view member_id) {
        std::lock_guard lock(mutex_);
        last_seen_[std::string(member_id)] = clock_.now();
    }
    void forget(std::string_view member_id) {
        std::lock_guard lock(mutex_);
        last_seen_.erase(std::string(member_id));
    }
    bool online(std::string_view member_id) const {
        std::lock_guard lock(mutex_);
        auto it = last_seen_.find(std::string(member_id));
        return it != last_seen_.end() && clock_.now() - it->second <= window_;
    }

  private:
    const clock& clock_;
    millis window_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, millis> last_seen_;
};

}  // namespace parlor::rooms
