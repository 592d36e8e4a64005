#include "realtime/hub.hpp"

#include <algorithm>

#include "realtime/ws_session.hpp"

namespace parlor::realtime {

bool hub::attach(const std::string& room_id, const std::string& member_id,
                 const std::shared_ptr<ws_session>& socket) {
    std::lock_guard lock(mutex_);
    auto& entry = members_[member_id];
    bool first = entry.sockets.empty();
    entry.room_id = room_id;
    entry.sockets.push_back(socket);
    if (first) rooms_[room_id].push_back(member_id);
    return first;
}

bool hub::detach(const std::string& room_id, const std::string& member_id,
                 const ws_session* socket) {
    std::lock_guard lock(mutex_);
    auto it = members_.find(member_id);
    if (it == members_.end()) return false;
    auto& sockets = it->second.sockets;
    auto before = sockets.size();
    std::erase_if(sockets, [&](const auto& weak) {
        auto held = weak.lock();
        return !held || held.get() == socket;
    });
    if (sockets.size() == before || !sockets.empty()) return false;
    members_.erase(it);
    auto room = rooms_.find(room_id);
    if (room != rooms_.end()) {
        std::erase(room->second, member_id);
        if (room->second.empty()) rooms_.erase(room);
    }
    return true;
}

void hub::deliver(const room_event& event) {
    std::vector<std::shared_ptr<ws_session>> targets;
    std::vector<std::shared_ptr<ws_session>> leaving;
    {
        std::lock_guard lock(mutex_);
        if (!event.closes_member.empty()) leaving = take_member(event.closes_member);
        auto add_sockets = [&](const member_sockets& member) {
            for (const auto& weak : member.sockets) {
                if (auto socket = weak.lock()) targets.push_back(std::move(socket));
            }
        };
        if (!event.only_member.empty()) {
            // One member (a signal): straight to their sockets, if they are in this room.
            auto member = members_.find(event.only_member);
            if (member != members_.end() && member->second.room_id == event.room_id &&
                event.only_member != event.except_member) {
                add_sockets(member->second);
            }
        } else if (auto room = rooms_.find(event.room_id); room != rooms_.end()) {
            for (const auto& member_id : room->second) {
                if (member_id != event.except_member) add_sockets(members_.at(member_id));
            }
        }
    }
    for (const auto& socket : targets) socket->send(event.frame);
    for (const auto& socket : leaving)
        socket->close(websocket::close_code::normal, "left the room");
}

// With mutex_ held: removes the member and returns their sockets.
std::vector<std::shared_ptr<ws_session>> hub::take_member(const std::string& member_id) {
    std::vector<std::shared_ptr<ws_session>> sockets;
    auto it = members_.find(member_id);
    if (it == members_.end()) return sockets;
    for (const auto& weak : it->second.sockets) {
        if (auto socket = weak.lock()) sockets.push_back(std::move(socket));
    }
    if (auto room = rooms_.find(it->second.room_id); room != rooms_.end()) {
        std::erase(room->second, member_id);
        if (room->second.empty()) rooms_.erase(room);
    }
    members_.erase(it);
    return sockets;
}

bool hub::online(std::string_view member_id) const {
    std::lock_guard lock(mutex_);
    return members_.contains(std::string(member_id));
}

}  // namespace parlor::realtime
