#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.hpp"
#include <boost/beast/websocket/rfc6455.hpp>

#include "bus/bus.hpp"
#include "realtime/relay_budget.hpp"

namespace parlor::realtime {

class ws_session;

// Signal bytes one member may have relayed a second, and in one burst (0: no bound).
struct relay_allowance {
    std::size_t bytes_per_second = 0;
    std::size_t burst = 0;

    // Parlor's shape (--ws-relay-bytes-per-second): bursts of four seconds' worth.
    static relay_allowance per_second(std::size_t bytes) { return {bytes, 4 * bytes}; }
};

// The sockets this instance holds, by room and member: delivers bus events to them. (Who is
// online, here or on another instance, is bus::presence's to say.) Each member here also has one
// relay budget, which all of their sockets spend from. When their last socket goes, the budget is
// kept for as long as it takes to refill (so that reconnecting buys no fresh burst), then
// forgotten. Thread-safe.
class hub final {
  public:
    // Keeps the count of members online here in `counts`.
    explicit hub(relay_allowance allowance = {}, metrics& counts = metrics::unexported());

    // The member's relay budget (null without a bound).
    std::shared_ptr<relay_budget> attach(const std::string& room_id, const std::string& member_id,
                                         const std::shared_ptr<ws_session>& socket);
    // False when the socket was no longer here: the member left the room, and deliver()
    // took their sockets away.
    bool detach(const std::string& room_id, const std::string& member_id, const ws_session* socket);
    // Whether any socket here is in the room.
    bool holds_room(const std::string& room_id) const;

    // Sends the event to the sockets it names; when it says a member left the room, their
    // sockets are detached first (no "offline" follows) and closed after.
    void deliver(const bus::room_event& event);
    // Closes every socket here in the room with this code (they stay attached until they
    // are gone, as any closing socket).
    void close_room(const std::string& room_id, boost::beast::websocket::close_code code,
                    const char* reason);

  private:
    std::vector<std::shared_ptr<ws_session>> take_member(const std::string& member_id);

    struct member_sockets {
        std::string room_id;
        std::vector<std::weak_ptr<ws_session>> sockets;
        std::shared_ptr<relay_budget> relay;
    };
    using time_point = std::chrono::steady_clock::time_point;
    struct parked_budget {
        std::shared_ptr<relay_budget> relay;
        time_point since;
    };
    // With mutex_ held.
    std::shared_ptr<relay_budget> budget_for(const std::string& member_id, time_point now);
    void park(const std::string& member_id, std::shared_ptr<relay_budget> relay, time_point now);

    relay_allowance allowance_;
    metrics& metrics_;
    std::chrono::steady_clock::duration refill_time_;  // an empty budget is full again
    mutable std::mutex mutex_;
    // room id -> member ids in it with a socket here
    std::unordered_map<std::string, std::vector<std::string>> rooms_;
    std::unordered_map<std::string, member_sockets> members_;
    // Budgets of members with no socket here, and when each was parked, oldest first.
    std::unordered_map<std::string, parked_budget> parked_;
    std::deque<std::pair<std::string, time_point>> parked_order_;
};

}  // namespace parlor::realtime
