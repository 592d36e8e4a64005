#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <boost/beast/websocket.hpp>

#include "realtime/gathering_stream.hpp"
#include "realtime/relay_budget.hpp"
#include "rooms/caller.hpp"

namespace parlor::realtime {

namespace websocket = boost::beast::websocket;
class realtime_service;

// The HTTP request that asked for the WebSocket, as net/ read it (api::request is this type).
using upgrade_request = http::request<http::string_body>;

// Limits of one socket (protocol.md, "WebSocket").
struct socket_limits {
    std::size_t max_frame_bytes = 64 * 1024;
    std::chrono::seconds join_deadline{10};
    std::chrono::seconds ping_interval{15};
    std::chrono::seconds silence_limit{45};
    // Outgoing frames waiting for a slow reader; past either cap the socket is dropped.
    // The room:state answering the socket's own room:join is not counted (see send_state).
    std::size_t max_queued_frames = 1024;
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
    int messages_per_second = 100;  // 0: unlimited
    int rate_limit_strikes = 50;    // refused messages (either rate) before the socket is closed
};

// One WebSocket. Reads one frame at a time and hands it to the realtime service; outgoing
// frames queue in its gathering_stream, capped. Lives on its connection's strand; other
// threads reach it through send() and close(), which post to that strand.
class ws_session : public std::enable_shared_from_this<ws_session> {
  public:
    ws_session(transport stream, realtime_service& service, const socket_limits& limits);
    ~ws_session();

    asio::awaitable<void> run(upgrade_request upgrade);

    // An event for this client. Dropped, with the socket, when the reader is so far behind
    // that it would pass a queue cap.
    void send(std::shared_ptr<const std::string> frame);
    // The room:state answering this socket's own room:join: queued whatever its size (a
    // room's snapshot may outgrow the caps, and nobody could enter the room), and not
    // counted against the caps by the frames after it. One such frame is exempt at a time:
    // another one queued before the first went out counts like any frame, so a client that
    // repeats room:join without reading is still dropped.
    void send_state(std::shared_ptr<const std::string> frame);
    // A room:join reads its snapshot while events keep coming: from hold_events() until
    // send_state() (or release_events(), when the join fails), events wait behind the
    // snapshot instead of going out ahead of it, where the client would drop them as older
    // than the state (and lose what happened between the read and the send). They count
    // against the caps meanwhile. Called on the socket's strand.
    void hold_events() { holding_ = true; }
    void release_events();
    auto executor() { return ws_.get_executor(); }
    void close(websocket::close_code code, std::string reason);

    // Set by room:join; read and written on this socket's strand only.
    const std::optional<rooms::caller>& caller() const { return caller_; }
    void set_caller(rooms::caller who, std::shared_ptr<relay_budget> relay) {
        caller_ = std::move(who);
        relay_ = std::move(relay);
    }
    // The socket closes (1008, "token expired") when the token it joined with expires; a
    // later room:join with a newer token moves that time.
    void expire_at(std::chrono::system_clock::time_point token_expiry);
    // Takes `bytes` from the member's relay budget; false when it does not hold them.
    bool spend_relay(std::size_t bytes);
    // A message was refused for going past a rate: counts toward the strike limit.
    void count_refusal() { ++strikes_; }

  private:
    void queue(std::shared_ptr<const std::string> frame, bool state);
    // On the strand: one frame to the write queue, or the socket dropped when it would pass
    // a cap (counting what is held too).
    void write_queued(const std::string& frame, bool state);
    void flush_held();
    bool within_caps(std::size_t frames, std::size_t bytes) const;
    void arm_close_deadline();
    void drop_behind(std::size_t frames, std::size_t bytes);
    void continue_reading();
    void read_next();
    void on_read(const beast::error_code& ec);
    void finish_with(asio::awaitable<void> closing);
    void finished();
    void arm_watchdog();
    void watchdog();
    bool within_rate();
    void drop();
    void discard_queue();
    asio::awaitable<void> flush_queue();
    asio::awaitable<void> close_now(websocket::close_code code, std::string reason);

    websocket::stream<gathering_stream> ws_;
    realtime_service& service_;
    const socket_limits& limits_;
    asio::steady_timer watchdog_timer_;
    asio::steady_timer expiry_timer_;  // the token's expiry, once joined
    asio::steady_timer close_timer_;   // the deadline of a close under way
    beast::flat_buffer buffer_;        // the frame being read
    std::optional<rooms::caller> caller_;
    std::shared_ptr<relay_budget> relay_;  // the member's, shared with their other sockets
    bool holding_ = false;                 // a join reads its snapshot: events wait (held_)
    std::vector<std::shared_ptr<const std::string>> held_;
    std::size_t held_bytes_ = 0;
    bool closing_ = false;   // no more reads or writes: the socket is going
    bool draining_ = false;  // no new frames queued: the queue is being flushed before a close
    bool ping_pending_ = false;
    std::chrono::steady_clock::time_point opened_at_;
    std::chrono::steady_clock::time_point last_heard_;
    std::chrono::steady_clock::time_point next_ping_;
    double tokens_ = 0;
    std::chrono::steady_clock::time_point refilled_at_;
    int strikes_ = 0;
};

}  // namespace parlor::realtime
