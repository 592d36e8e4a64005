#include "realtime/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "realtime/realtime_service.hpp"

namespace parlor::realtime {

ws_session::ws_session(transport stream, realtime_service& service, const socket_limits& limits)
    : ws_(std::move(stream)),
      service_(service),
      limits_(limits),
      watchdog_timer_(ws_.get_executor()),
      expiry_timer_(ws_.get_executor()),
      close_timer_(ws_.get_executor()) {}

ws_session::~ws_session() = default;

asio::awaitable<void> ws_session::run(upgrade_request upgrade) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own time
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = websocket::stream_base::none();  // see watchdog()
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(limits_.max_frame_bytes);  // larger frames close the socket with 1009
    ws_.auto_fragment(false);
    // Beast's write buffer is for masking and fragmenting, which a server that writes whole
    // frames (through gathering_stream) never does: keep it at the minimum, not 4 KiB a socket.
    ws_.write_buffer_bytes(8);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
        last_heard_ = std::chrono::steady_clock::now();  // pongs count as signs of life
    });
    beast::error_code ec;
    co_await ws_.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    upgrade_request().swap(upgrade);  // this frame lives as long as the socket: keep no headers
    opened_at_ = last_heard_ = refilled_at_ = std::chrono::steady_clock::now();
    next_ping_ = opened_at_ + limits_.ping_interval;
    tokens_ = limits_.messages_per_second * 2.0;
    service_.opened(shared_from_this());
    arm_watchdog();
    read_next();  // from here on callbacks keep the session alive, not this coroutine
}

// Reading is a chain of callbacks, not a coroutine: an idle socket holds one pending read
// and no coroutine frames.
void ws_session::read_next() {
    buffer_.consume(buffer_.size());  // the frame read last is handled
    ws_.async_read(buffer_, [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
        self->on_read(ec);
    });
}

void ws_session::on_read(const beast::error_code& ec) {
    // Closed (by us or the peer), too big (Beast answered 1009), or the network went.
    if (ec || closing_) return finished();
    last_heard_ = std::chrono::steady_clock::now();
    if (!ws_.got_text())
        return finish_with(close_now(websocket::close_code::bad_payload, "text frames only"));
    std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    service_.counts().ws_message_in();
    if (!within_rate()) {
        count_refusal();
        service_.refuse_rate(*this, text);
    } else if (!service_.handle_now(*this, text)) {
        // The general path waits for the store; the next frame is read once it is done, so
        // a socket's frames are handled in order.
        asio::co_spawn(
            ws_.get_executor(),
            [self = shared_from_this(), text]() -> asio::awaitable<void> {
                co_await self->service_.handle(self, text);
                self->continue_reading();
            },
            asio::detached);
        return;
    }
    continue_reading();
}

// After a frame is handled: the next one, unless too many were refused by a rate (the
// message rate here, the relay budget in the service).
void ws_session::continue_reading() {
    if (strikes_ < limits_.rate_limit_strikes || closing_) return read_next();
    finish_with([](std::shared_ptr<ws_session> self) -> asio::awaitable<void> {
        co_await self->flush_queue();  // the rate_limited errors already queued say why
        co_await self->close_now(websocket::close_code::policy_error, "too many messages");
    }(shared_from_this()));
}

// The socket's last act: runs `closing` (a close handshake), then finished().
void ws_session::finish_with(asio::awaitable<void> closing) {
    asio::co_spawn(
        ws_.get_executor(),
        [self = shared_from_this(),
         closing = std::move(closing)]() mutable -> asio::awaitable<void> {
            co_await std::move(closing);
            self->finished();
        },
        asio::detached);
}

void ws_session::finished() {
    closing_ = true;
    watchdog_timer_.cancel();
    expiry_timer_.cancel();
    close_timer_.cancel();
    service_.closed(*this);
}

bool ws_session::within_rate() {
    if (limits_.messages_per_second <= 0) return true;
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
    refilled_at_ = now;
    double burst = limits_.messages_per_second * 2.0;
    tokens_ = std::min(burst, tokens_ + elapsed * limits_.messages_per_second);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

void ws_session::send(std::shared_ptr<const std::string> frame) {
    queue(std::move(frame), false);
}

void ws_session::send_state(std::shared_ptr<const std::string> frame) {
    queue(std::move(frame), true);
}

void ws_session::queue(std::shared_ptr<const std::string> frame, bool state) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), state] {
        if (state) {
            self->write_queued(*frame, true);
            self->flush_held();
        } else if (self->holding_) {
            self->held_bytes_ += frame->size();
            self->held_.push_back(frame);
            if (!self->within_caps(0, 0)) self->drop_behind(0, 0);
        } else {
            self->write_queued(*frame, false);
        }
    });
}

void ws_session::release_events() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->flush_held(); });
}

void ws_session::flush_held() {
    holding_ = false;
    auto held = std::move(held_);
    held_.clear();
    held_bytes_ = 0;
    for (const auto& frame : held) write_queued(*frame, false);
}

bool ws_session::within_caps(std::size_t frames, std::size_t bytes) const {
    const auto& out = ws_.next_layer();
    return out.pending_frames() + held_.size() + frames <= limits_.max_queued_frames &&
           out.pending_bytes() + held_bytes_ + bytes <= limits_.max_queued_bytes;
}

void ws_session::drop_behind(std::size_t frames, std::size_t bytes) {
    // A reader this far behind would make us buffer without bound: drop it; the client
    // reconnects and resyncs from room:state.
    const auto& out = ws_.next_layer();
    spdlog::warn("dropping a socket that fell {} frames ({} bytes) behind",
                 out.pending_frames() + held_.size() + frames,
                 out.pending_bytes() + held_bytes_ + bytes);
    held_.clear();
    held_bytes_ = 0;
    drop();
}

void ws_session::write_queued(const std::string& frame, bool state) {
    // Once Beast has begun a close (ours or the peer's), no data frame may follow it.
    if (closing_ || draining_ || !ws_.is_open()) return;
    auto& out = ws_.next_layer();
    // The snapshot is weighed by what is queued ahead of it, not by its own size.
    bool exempt = state && !out.exempt_pending();
    if (!within_caps(exempt ? 0 : 1, exempt ? 0 : frame.size())) {
        drop_behind(exempt ? 0 : 1, exempt ? 0 : frame.size());
        return;
    }
    out.write_text(frame, exempt);
    service_.counts().ws_message_out();
}

void ws_session::expire_at(std::chrono::system_clock::time_point token_expiry) {
    if (closing_) return;  // a wait now would keep the session alive until the expiry
    auto left = token_expiry - std::chrono::system_clock::now();
    // Setting the time cancels the wait for the previous token, if any.
    expiry_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::max(left, decltype(left)::zero())));
    expiry_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
        if (ec || self->closing_) return;  // a newer token, or the socket is going anyway
        self->close(websocket::close_code::policy_error, "token expired");
    });
}

bool ws_session::spend_relay(std::size_t bytes) {
    return !relay_ || relay_->spend(bytes, std::chrono::steady_clock::now());
}

// Lets the frames already queued go out (new ones are refused meanwhile), within the 5 s
// a close may take; a peer that does not read past that is dropped by the close.
asio::awaitable<void> ws_session::flush_queue() {
    draining_ = true;
    arm_close_deadline();
    beast::error_code ignored;
    co_await ws_.next_layer().async_flush(asio::redirect_error(asio::use_awaitable, ignored));
}

void ws_session::discard_queue() {
    ws_.next_layer().discard_pending();
}

// Ends the connection without a close handshake: for peers that do not read.
void ws_session::drop() {
    closing_ = true;
    discard_queue();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

// A close handshake within the 5 s a close may take; a peer that does not answer is
// dropped. The read loop awaits it for its own closes; close() starts it for others.
asio::awaitable<void> ws_session::close_now(websocket::close_code code, std::string reason) {
    closing_ = true;
    discard_queue();
    beast::error_code ec;
    arm_close_deadline();
    co_await ws_.async_close(websocket::close_reason(code, reason),
                             asio::redirect_error(asio::use_awaitable, ec));
    close_timer_.cancel();
    if (ec) drop();
}

// The 5 s a close may take, on a timer of its own: the stream's own expiry cannot be set
// while a read and a write are both pending (Beast asserts it; a release build ignored the
// call, and a peer that read nothing kept its socket past the deadline).
void ws_session::arm_close_deadline() {
    close_timer_.expires_after(std::chrono::seconds(5));
    close_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
        if (!ec) self->drop();
    });
}

void ws_session::close(websocket::close_code code, std::string reason) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
        if (self->closing_) return;
        self->closing_ = true;  // now: nothing else may start a close meanwhile
        asio::co_spawn(
            self->ws_.get_executor(),
            [self, code, reason] { return self->close_now(code, reason); }, asio::detached);
    });
}

// The watchdog pings every ping_interval; closes a socket that never joined within the
// join deadline, or that has been silent (no frame, no pong) for silence_limit. A timer
// callback rather than a coroutine: an idle socket keeps one pending wait and no frame.
void ws_session::arm_watchdog() {
    auto wake = std::min(next_ping_, last_heard_ + limits_.silence_limit);
    if (!caller_) wake = std::min(wake, opened_at_ + limits_.join_deadline);
    watchdog_timer_.expires_at(wake);
    watchdog_timer_.async_wait(
        [self = shared_from_this()](const beast::error_code&) { self->watchdog(); });
}

void ws_session::watchdog() {
    if (closing_) return;
    auto now = std::chrono::steady_clock::now();
    if (!caller_ && now - opened_at_ >= limits_.join_deadline) {
        return close(websocket::close_code::policy_error, "room:join expected first");
    }
    if (now - last_heard_ >= limits_.silence_limit) return drop();  // gone: no close handshake
    if (now >= next_ping_) {
        next_ping_ = now + limits_.ping_interval;
        // Not awaited: a ping waits behind a write to a slow reader, and the silence check
        // above must keep running meanwhile.
        if (!ping_pending_) {
            ping_pending_ = true;
            ws_.async_ping({}, [self = shared_from_this()](const beast::error_code&) {
                self->ping_pending_ = false;
            });
        }
    }
    arm_watchdog();
}

}  // namespace parlor::realtime
