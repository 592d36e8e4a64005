#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "bus/presence.hpp"
#include "bus/redis_bus.hpp"

struct redisContext;

namespace parlor::bus {

// Presence shared by every instance through Redis. Each instance claims the members it
// holds sockets of, in the room's hash "parlor:presence:<room id>" (field "<member>|<instance>",
// value the claim's expiry) and in one sorted set of every claim by expiry,
// "parlor:presence". A member is online while some claim of theirs has not expired. The
// instance renews its claims every third of the time to live; an instance that dies stops
// renewing, and whichever instance first finds its claims expired reaps them and reports
// the members it leaves with no claim (maintain()). Each change is one Lua script, so two
// instances never both see themselves as a member's first or last, and times come from
// Redis's clock, not the instances'.
//
// Blocking (hiredis's synchronous API, one connection under a mutex): called on the
// blocking pool, like the database. While Redis cannot be reached it answers from this
// instance's own sockets (health already says "bus: error"), and claims everything held
// here again once it is back.
class redis_presence final : public presence {
  public:
    redis_presence(redis_location where, std::string instance_id,
                   std::chrono::milliseconds time_to_live);
    ~redis_presence() override;

    bool attach(const std::string& room_id, const std::string& member_id) override;
    bool detach(const std::string& room_id, const std::string& member_id) override;
    std::unordered_set<std::string> online_in(const std::string& room_id) const override;
    std::chrono::milliseconds maintenance_interval() const override { return time_to_live_ / 3; }
    std::vector<member_in_room> maintain() override;

  private:
    struct context_deleter {
        void operator()(redisContext* c) const;
    };
    // With mutex_ held: the connection, reconnected if it was lost (not more often than
    // every retry interval); null while Redis cannot be reached.
    redisContext* connection() const;
    void lost(const char* what) const;
    bool claim(const std::vector<member_in_room>& members) const;

    redis_location where_;
    std::string instance_id_;
    std::chrono::milliseconds time_to_live_;

    mutable std::mutex mutex_;
    local_presence here_;  // this instance's sockets, the fallback while Redis is away
    mutable std::unique_ptr<redisContext, context_deleter> redis_;
    mutable std::chrono::steady_clock::time_point next_attempt_{};
    mutable bool warned_ = false;
};

}  // namespace parlor::bus
