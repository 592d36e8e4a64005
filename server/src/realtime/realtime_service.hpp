#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/metrics.hpp"
#include "auth/ice_servers.hpp"
#include "bus/bus.hpp"
#include "bus/presence.hpp"
#include "realtime/call_report.hpp"
#include "realtime/call_roster.hpp"
#include "realtime/frames.hpp"
#include "realtime/hub.hpp"
#include "realtime/ws_session.hpp"
#include "rooms/call_service.hpp"
#include "rooms/chat_service.hpp"
#include "rooms/room_events.hpp"
#include "rooms/room_service.hpp"

namespace parlor::realtime {

// The WebSocket half of protocol.md: turns each client frame into a typed command, applies
// it through the rooms layer on the blocking pool, and publishes the resulting events on
// the bus. Tells presence of every socket that joins and goes, announces who comes online
// and goes offline, and keeps the call grace period.
class realtime_service final : public rooms::room_events {
  public:
    realtime_service(asio::io_context& io, asio::thread_pool& blocking, rooms::room_service& rooms,
                     rooms::call_service& calls, rooms::chat_service& chat, bus::event_bus& events,
                     hub& sockets, bus::presence& online,
                     const auth::ice_server_provider& ice_servers, metrics& counts,
                     std::chrono::seconds call_grace, socket_limits limits);

    const socket_limits& limits() const { return limits_; }
    // Sockets and members online, frames in and out, the browsers' call reports.
    metrics& counts() { return metrics_; }

    // Called by ws_session.
    void opened(const std::shared_ptr<ws_session>& socket);
    void closed(ws_session& socket);
    // A signal whose call the roster knows is relayed at once, without a JSON tree (true);
    // any other frame needs handle() (false).
    bool handle_now(ws_session& socket, std::string_view text);
    asio::awaitable<void> handle(std::shared_ptr<ws_session> socket, std::string_view text);
    void refuse_rate(ws_session& socket, std::string_view text);

    // However they left (REST or room:leave): the room hears it, their sockets close.
    void member_left(const rooms::departure& gone) override;
    void file_added(const store::file_record& file, std::int64_t seq) override;

    // Startup: everyone in a call that outlived the last run of this instance gets the grace
    // period (those online elsewhere keep their place when it ends), and presence starts
    // being kept up (blocking: call it before serving).
    void resume_calls();

    // Shutdown: close every socket with 1001 (going away). This instance's claims on
    // presence are left to expire, so that members who reconnect to another instance at
    // once never show as offline.
    void close_all();
    std::size_t open_sockets() const;

  private:
    asio::awaitable<void> dispatch(const std::shared_ptr<ws_session>& socket, const envelope& msg);
    asio::awaitable<void> join_room(const std::shared_ptr<ws_session>& socket, const envelope& msg);
    asio::awaitable<void> leave_room(const std::shared_ptr<ws_session>& socket);
    asio::awaitable<void> relay_signal(const std::shared_ptr<ws_session>& socket,
                                       const envelope& msg);
    void record_call_report(const rooms::caller& who, const envelope& msg);
    // Chat, host controls and raised hands (room_controls.cpp).
    asio::awaitable<void> send_chat(const std::shared_ptr<ws_session>& socket, const envelope& msg);
    asio::awaitable<void> lock_room(const std::shared_ptr<ws_session>& socket, const envelope& msg);
    asio::awaitable<void> remove_member(const std::shared_ptr<ws_session>& socket,
                                        const envelope& msg);
    asio::awaitable<void> change_hand(const std::shared_ptr<ws_session>& socket,
                                      const envelope& msg);
    // A room-wide event that answers `msg`: the asking socket gets it with the request's rid,
    // the rest of the room without. Unnumbered (seq 0: nothing changed), it goes to the
    // asking socket alone.
    void publish_answer(ws_session& socket, const envelope& msg, const std::string& type,
                        const nlohmann::json& data, std::int64_t seq);
    // The room's active call, from the roster when it is known there.
    asio::awaitable<call_roster::entry> active_call(const std::string& room_id);
    void relay(ws_session& from, const std::optional<store::call_record>& call,
               std::string_view call_id, std::string_view to,
               std::shared_ptr<const std::string> frame);
    // A room-wide event, numbered `seq` by the store (0: not numbered). An event a member's
    // own sockets do not get (`except_member`) must be one their room:state reflects.
    void publish(const std::string& room_id, const std::string& type, nlohmann::json data,
                 std::int64_t seq, std::string except_member = {});
    void publish_call_left(const rooms::caller& who, const rooms::left_call& call,
                           const char* reason);
    // Completes once the bus carries the room's events from the other instances here.
    asio::awaitable<void> watch_room(const std::string& room_id);
    // This instance holds no more sockets in the room.
    void room_released(const std::string& room_id);
    void start_grace(const rooms::caller& who);
    void end_grace(const rooms::caller& who);
    std::optional<std::int64_t> attach_presence(const ws_session& socket, const rooms::caller& who);
    std::mutex& presence_order(const std::string& member_id);
    std::int64_t number_presence_event(const std::string& room_id);
    // A member is offline everywhere now: the room hears it and their call grace starts.
    void went_offline(const rooms::caller& who, std::int64_t seq);
    // Every presence.maintenance_interval(): renews this instance's claims, and members
    // whose instance died go offline.
    void keep_presence();

    asio::io_context& io_;
    asio::thread_pool& blocking_;
    rooms::room_service& rooms_;
    rooms::call_service& calls_;
    rooms::chat_service& chat_;
    bus::event_bus& bus_;
    hub& hub_;
    bus::presence& presence_;
    const auth::ice_server_provider& ice_servers_;
    metrics& metrics_;
    std::chrono::seconds call_grace_;
    socket_limits limits_;
    call_roster roster_;

    std::array<std::mutex, 64> presence_order_;  // by member (presence_order())
    mutable std::mutex mutex_;
    bool stopping_ = false;  // shutdown: sockets closing now must not start grace timers
    std::unordered_map<const ws_session*, std::weak_ptr<ws_session>> open_;
    // Sockets presence counts: attached to it by their room:join, detached when they close.
    std::unordered_set<const ws_session*> present_;
    std::shared_ptr<asio::steady_timer> presence_timer_;
    // member id -> the timer that removes them from the call if they do not come back
    std::unordered_map<std::string, std::shared_ptr<asio::steady_timer>> grace_;
};

}  // namespace parlor::realtime
