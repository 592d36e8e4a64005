#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace parlor::bus {

// Who is online: a member is online while some instance holds a socket of theirs. With one
// instance that is this process's knowledge (local_presence); with several, Redis holds
// each instance's claims with an expiry (redis_presence), so that the members of an
// instance that died go offline when its claims run out.
//
// The realtime layer tells it of every socket that joins and goes; the rooms layer asks.
// Every call may block (Redis): call them on the blocking pool. Thread-safe.
class presence {
  public:
    using member_in_room = std::pair<std::string, std::string>;  // room id, member id

    virtual ~presence() = default;

    // A socket of the member joined on this instance. True when the member was offline
    // everywhere until now (they came online).
    virtual bool attach(const std::string& room_id, const std::string& member_id) = 0;
    // One of this instance's sockets of the member went. True when no instance holds a
    // socket of theirs any more (they went offline).
    virtual bool detach(const std::string& room_id, const std::string& member_id) = 0;
    // The members of the room who are online, on any instance.
    virtual std::unordered_set<std::string> online_in(const std::string& room_id) const = 0;
    bool online(const std::string& room_id, const std::string& member_id) const {
        return online_in(room_id).contains(member_id);
    }

    // How often maintain() is to be called; zero: never.
    virtual std::chrono::milliseconds maintenance_interval() const { return {}; }
    // Keeps this instance's claims alive and returns the members who went offline because
    // the instance that held them stopped claiming them (it died). Each such member is
    // returned by one instance only.
    virtual std::vector<member_in_room> maintain() { return {}; }
};

// The sockets this process holds, counted per member: the whole truth with one instance,
// and this instance's share with several. Attach and detach may come in either order for
// two sockets of one member (a reconnect), so sockets are counted rather than flagged.
class local_presence final : public presence {
  public:
    bool attach(const std::string& room_id, const std::string& member_id) override {
        std::lock_guard lock(mutex_);
        return ++rooms_[room_id][member_id] == 1;
    }
    bool detach(const std::string& room_id, const std::string& member_id) override {
        std::lock_guard lock(mutex_);
        auto room = rooms_.find(room_id);
        if (room == rooms_.end()) return false;
        auto member = room->second.find(member_id);
        if (member == room->second.end()) return false;
        if (--member->second > 0) return false;
        room->second.erase(member);
        if (room->second.empty()) rooms_.erase(room);
        return true;
    }
    std::unordered_set<std::string> online_in(const std::string& room_id) const override {
        std::lock_guard lock(mutex_);
        std::unordered_set<std::string> online;
        if (auto room = rooms_.find(room_id); room != rooms_.end()) {
            for (const auto& [member_id, _] : room->second) online.insert(member_id);
        }
        return online;
    }
    // Every member held here, for redis_presence to renew its claims.
    std::vector<member_in_room> held() const {
        std::lock_guard lock(mutex_);
        std::vector<member_in_room> all;
        for (const auto& [room_id, members] : rooms_) {
            for (const auto& [member_id, _] : members) all.emplace_back(room_id, member_id);
        }
        return all;
    }

  private:
    mutable std::mutex mutex_;
    // room id -> member id -> sockets held here
    std::unordered_map<std::string, std::unordered_map<std::string, int>> rooms_;
};

}  // namespace parlor::bus
