#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <boost/beast/websocket.hpp>

#include "api/request.hpp"
#include "realtime/gathering_stream.hpp"
#include "rooms/call_service.hpp"

namespace parlor::realtime {

namespace websocket = boost::beast::websocket;
class realtime_service;

// Limits of one socket (protocol.md, "WebSocket").
struct socket_limits {
    std::size_t max_frame_bytes = 64 * 1024;
    std::chrono::seconds join_deadline{10};
    std::chrono::seconds ping_interval{15};
    std::chrono::seconds silence_limit{45};
    // Outgoing frames waiting for a slow reader; past either cap the socket is dropped.
    std::size_t max_queued_frames = 1024;
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
    int messages_per_second = 100;  // 0: unlimited
    int rate_limit_strikes = 50;    // refused messages before the socket is closed
};

// One WebSocket. Reads one frame at a time and hands it to the realtime service; outgoing
// frames queue in its gathering_stream, capped. Lives on its connection's strand; other
// threads reach it through send() and close(), which post to that strand.
class ws_session : public std::enable_shared_from_this<ws_session> {
  public:
    ws_session(beast::tcp_stream stream, realtime_service& service, const socket_limits& limits);
    ~ws_session();

    asio::awaitable<void> run(api::request upgrade);

    void send(std::shared_ptr<const std::string> frame);
    auto executor() { return ws_.get_executor(); }
    void close(websocket::close_code code, std::string reason);

    // Set by room:join; read and written on this socket's strand only.
    const std::optional<rooms::caller>& caller() const { return caller_; }
    void set_caller(rooms::caller who) { caller_ = std::move(who); }

  private:
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
    beast::flat_buffer buffer_;  // the frame being read
    std::optional<rooms::caller> caller_;
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
