#include "realtime/hub.hpp"

#include <algorithm>

#include "realtime/ws_session.hpp"

namespace parlor::realtime {

hub::hub(relay_allowance allowance, metrics& counts)
    : allowance_(allowance),
      metrics_(counts),
      refill_time_(allowance.bytes_per_second == 0
                       ? std::chrono::steady_clock::duration::zero()
                       : std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(double(allowance.burst) /
                                                           double(allowance.bytes_per_second)))) {}

std::shared_ptr<relay_budget> hub::attach(const std::string& room_id, const std::string& member_id,
                                          const std::shared_ptr<ws_session>& socket) {
    std::lock_guard lock(mutex_);
    auto& entry = members_[member_id];
    bool first = entry.sockets.empty();
    entry.room_id = room_id;
    entry.sockets.push_back(socket);
    if (first) {
        rooms_[room_id].push_back(member_id);
        entry.relay = budget_for(member_id, std::chrono::steady_clock::now());
        metrics_.members_online(members_.size());
    }
    return entry.relay;
}

// A parked budget comes back as it was; otherwise a full one.
std::shared_ptr<relay_budget> hub::budget_for(const std::string& member_id, time_point now) {
    if (allowance_.bytes_per_second == 0) return nullptr;
    if (auto parked = parked_.find(member_id); parked != parked_.end()) {
        auto relay = std::move(parked->second.relay);
        parked_.erase(parked);
        return relay;
    }
    return std::make_shared<relay_budget>(allowance_.bytes_per_second, allowance_.burst, now);
}

void hub::park(const std::string& member_id, std::shared_ptr<relay_budget> relay, time_point now) {
    // Those parked long enough ago are full again: a new budget is the same.
    while (!parked_order_.empty() && now - parked_order_.front().second >= refill_time_) {
        auto& [oldest, since] = parked_order_.front();
        if (auto it = parked_.find(oldest); it != parked_.end() && it->second.since == since) {
            parked_.erase(it);
        }
        parked_order_.pop_front();
    }
    if (!relay) return;
    parked_[member_id] = {std::move(relay), now};
    parked_order_.emplace_back(member_id, now);
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
    if (sockets.size() == before) return false;
    if (!sockets.empty()) return true;
    park(member_id, std::move(it->second.relay), std::chrono::steady_clock::now());
    members_.erase(it);
    auto room = rooms_.find(room_id);
    if (room != rooms_.end()) {
        std::erase(room->second, member_id);
        if (room->second.empty()) rooms_.erase(room);
    }
    metrics_.members_online(members_.size());
    return true;
}

void hub::deliver(const bus::room_event& event) {
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
    if (event.except_socket) {
        std::erase_if(targets,
                      [&](const auto& socket) { return socket.get() == event.except_socket; });
    }
    for (const auto& socket : targets) socket->send(event.frame);
    for (const auto& socket : leaving) {
        socket->close(websocket::close_code::normal,
                      event.close_reason.empty() ? "left the room" : event.close_reason);
    }
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
    metrics_.members_online(members_.size());
    return sockets;
}

void hub::close_room(const std::string& room_id, websocket::close_code code, const char* reason) {
    std::vector<std::shared_ptr<ws_session>> sockets;
    {
        std::lock_guard lock(mutex_);
        auto room = rooms_.find(room_id);
        if (room == rooms_.end()) return;
        for (const auto& member_id : room->second) {
            for (const auto& weak : members_.at(member_id).sockets) {
                if (auto socket = weak.lock()) sockets.push_back(std::move(socket));
            }
        }
    }
    for (const auto& socket : sockets) socket->close(code, reason);
}

bool hub::holds_room(const std::string& room_id) const {
    std::lock_guard lock(mutex_);
    return rooms_.contains(room_id);
}

}  // namespace parlor::realtime
