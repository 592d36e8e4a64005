#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "realtime/bus.hpp"
#include "rooms/presence.hpp"

namespace parlor::realtime {

class ws_session;

// The sockets this instance holds, by room and member: delivers bus events to them and
// answers who is online. Thread-safe.
class hub final : public rooms::presence {
  public:
    // True when this is the member's first socket here (the member came online).
    bool attach(const std::string& room_id, const std::string& member_id,
                const std::shared_ptr<ws_session>& socket);
    // True when it was the member's last socket (the member went offline).
    bool detach(const std::string& room_id, const std::string& member_id, const ws_session* socket);

    // Sends the event to the sockets it names; when it says a member left the room, their
    // sockets are detached first (no "offline" follows) and closed after.
    void deliver(const room_event& event);
    bool online(std::string_view member_id) const override;

  private:
    std::vector<std::shared_ptr<ws_session>> take_member(const std::string& member_id);

    struct member_sockets {
        std::string room_id;
        std::vector<std::weak_ptr<ws_session>> sockets;
    };
    mutable std::mutex mutex_;
    // room id -> member ids in it with a socket here
    std::unordered_map<std::string, std::vector<std::string>> rooms_;
    std::unordered_map<std::string, member_sockets> members_;
};

}  // namespace parlor::realtime
