#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include <boost/beast/websocket/rfc6455.hpp>

#include "common/asio.hpp"
#include "realtime/transport.hpp"

namespace parlor::realtime {

// The stream under a server WebSocket, and its outgoing queue. Reads pass straight
// through. Everything written goes into one pending buffer, and one socket write at a time
// carries all of it, so the frames queued while a write is under way leave together (Beast
// alone makes one sendmsg per frame, which was most of the relay's cost).
//
// Two writers share the buffer, in order:
// - ws_session appends its text frames directly (write_text): an unmasked server frame is
//   a header and the payload, with no state in Beast to keep.
// - Beast's own writes (the handshake response, pings, pongs, close frames) arrive through
//   async_write_some, are appended whole, and are reported done at once; past
//   `high_water` pending bytes they wait for the socket to take some.
// ws_session caps what may be pending (a reader that falls behind is dropped) and stops
// appending once the WebSocket is closing. A frame written `exempt` is left out of the
// counts the caps weigh (pending_bytes, pending_frames) until it is handed to the socket. Closing
// flushes what is pending before the TCP teardown. Everything a socket write touches lives in a
// shared state that the unfinished write keeps alive.
class gathering_stream {
  public:
    using executor_type = transport::executor_type;
    using next_layer_type = transport;

    gathering_stream(transport stream, std::size_t high_water = 64 * 1024)
        : state_(std::make_shared<state>(std::move(stream), high_water)) {}

    executor_type get_executor() { return state_->stream.get_executor(); }
    transport& next_layer() { return state_->stream; }
    const transport& next_layer() const { return state_->stream; }

    // Queues one text message as a single unmasked frame.
    void write_text(std::string_view payload, bool exempt = false) {
        unsigned char header[10];
        std::size_t length = payload.size(), header_size = 2;
        header[0] = 0x81;  // FIN, text
        if (length < 126) {
            header[1] = static_cast<unsigned char>(length);
        } else if (length <= 0xFFFF) {
            header[1] = 126;
            header[2] = static_cast<unsigned char>(length >> 8);
            header[3] = static_cast<unsigned char>(length);
            header_size = 4;
        } else {
            header[1] = 127;
            for (int i = 0; i < 8; ++i) {
                header[2 + i] = static_cast<unsigned char>(std::uint64_t(length) >> (56 - 8 * i));
            }
            header_size = 10;
        }
        auto& s = *state_;
        if (s.failure) return;
        s.pending.append(reinterpret_cast<const char*>(header), header_size);
        s.pending.append(payload);
        if (exempt) {
            s.exempt_bytes += header_size + payload.size();
        } else {
            ++s.pending_frames;
        }
        s.flush_soon();
    }
    // What is queued and not yet handed to the socket, exempt frames left out.
    std::size_t pending_bytes() const { return state_->pending.size() - state_->exempt_bytes; }
    std::size_t pending_frames() const { return state_->pending_frames; }
    // Whether an exempt frame is queued and not yet handed to the socket.
    bool exempt_pending() const { return state_->exempt_bytes > 0; }
    // Drops the text frames queued after Beast's last write: a close reply or pong Beast
    // has queued still goes out.
    void discard_pending() {
        state_->pending.resize(state_->kept_bytes);
        state_->pending_frames = state_->kept_frames;
        state_->exempt_bytes = state_->kept_exempt_bytes;
    }
    // Completes when everything queued has been written (or the socket failed).
    template <class Handler>
    auto async_flush(Handler&& handler) {
        return asio::async_compose<Handler, void(beast::error_code)>(flush_op{state_}, handler,
                                                                     state_->stream);
    }

    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return state_->stream.async_read_some(buffers, std::forward<Handler>(handler));
    }

    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return asio::async_compose<Handler, void(beast::error_code, std::size_t)>(
            write_op<ConstBuffers>{state_, buffers}, handler, state_->stream);
    }

    // Beast's close handshake ends with this (found by argument-dependent lookup).
    template <class Handler>
    friend void async_teardown(beast::role_type role, gathering_stream& stream, Handler&& handler) {
        asio::async_compose<Handler, void(beast::error_code)>(teardown_op{stream.state_, role},
                                                              handler, stream.state_->stream);
    }
    friend void teardown(beast::role_type role, gathering_stream& stream, beast::error_code& ec) {
        using beast::websocket::teardown;  // synchronous: nothing pending is sent
        teardown(role, stream.state_->stream.tcp(), ec);
    }

  private:
    struct state : std::enable_shared_from_this<state> {
        state(transport s, std::size_t limit)
            : stream(std::move(s)), high_water(limit), flushed(stream.get_executor()) {
            // Never expires; cancel() wakes the waiters. (Setting the expiry again would
            // cancel the other waiters too.)
            flushed.expires_at(std::chrono::steady_clock::time_point::max());
        }

        // Hands everything pending to the socket, unless a write is already under way.
        void flush() {
            if (writing || pending.empty() || failure) return;
            writing = true;
            sending.swap(pending);
            pending_frames = kept_frames = kept_bytes = 0;
            exempt_bytes = kept_exempt_bytes = 0;
            asio::async_write(stream, asio::buffer(sending),
                              [self = shared_from_this()](const beast::error_code& ec,
                                                          std::size_t) { self->sent(ec); });
        }
        // Flushes after the handlers already queued have run: the frames they add (relays
        // arriving in the same batch of reads) leave in the same write.
        void flush_soon() {
            if (writing || flush_posted) return;
            flush_posted = true;
            asio::post(stream.get_executor(), [self = shared_from_this()] {
                self->flush_posted = false;
                self->flush();
            });
        }
        void sent(const beast::error_code& ec) {
            writing = false;
            sending.clear();
            if (ec) {
                failure = ec;
                pending.clear();
                pending_frames = kept_frames = kept_bytes = 0;
                exempt_bytes = kept_exempt_bytes = 0;
            }
            if (waiters > 0) flushed.cancel();
            if (!pending.empty()) return flush();
            // Idle: an idle socket keeps no buffers.
            std::string().swap(sending);
            std::string().swap(pending);
        }
        bool idle() const { return !writing && pending.empty(); }
        template <class Self>
        void wait(Self&& self) {
            ++waiters;
            flushed.async_wait(std::forward<Self>(self));
        }

        transport stream;
        std::size_t high_water;
        std::string pending;             // written by the layer above, not yet handed to the socket
        std::string sending;             // what the socket write under way carries
        std::size_t pending_frames = 0;  // write_text frames in `pending`, exempt ones aside
        std::size_t exempt_bytes = 0;    // bytes of exempt frames in `pending`
        // Where `pending` ends after Beast's last write, and the text frames before it:
        // discard_pending() keeps that much.
        std::size_t kept_bytes = 0;
        std::size_t kept_frames = 0;
        std::size_t kept_exempt_bytes = 0;
        bool writing = false;
        bool flush_posted = false;
        beast::error_code failure;   // the socket failed: every later write fails with this
        asio::steady_timer flushed;  // cancelled whenever a socket write ends, for waiters
        int waiters = 0;
    };

    template <class ConstBuffers>
    struct write_op {
        std::shared_ptr<state> s;
        ConstBuffers buffers;
        std::size_t taken = 0;
        bool waiting = false;
        bool done = false;

        template <class Self>
        void operator()(Self& self, beast::error_code = {}) {
            if (std::exchange(waiting, false)) --s->waiters;  // a socket write ended: look again
            if (done) return self.complete(s->failure, taken);
            if (!s->failure && s->pending.size() >= s->high_water) {
                waiting = true;
                return s->wait(std::move(self));
            }
            if (!s->failure) {
                for (auto buffer : beast::buffers_range_ref(buffers)) {
                    s->pending.append(static_cast<const char*>(buffer.data()), buffer.size());
                    taken += buffer.size();
                }
                s->kept_bytes = s->pending.size();
                s->kept_frames = s->pending_frames;
                s->kept_exempt_bytes = s->exempt_bytes;
                s->flush();
            }
            done = true;
            asio::post(s->stream.get_executor(), std::move(self));
        }
    };

    // Waits until nothing is pending or in flight (or the socket failed).
    struct flush_op {
        std::shared_ptr<state> s;
        bool waiting = false;
        bool done = false;

        template <class Self>
        void operator()(Self& self, beast::error_code = {}) {
            if (std::exchange(waiting, false)) --s->waiters;
            if (done) return self.complete(s->failure);
            if (!s->idle() && !s->failure) {
                waiting = true;
                return s->wait(std::move(self));
            }
            done = true;
            asio::post(s->stream.get_executor(), std::move(self));
        }
    };

    // Flushes, then tears the TCP connection down (Beast's close handshake ends here). The
    // teardown is ours, not Beast's: Beast 1.74 reads one buffer and closes, and a peer
    // still sending (the rest of a frame refused as too big) then gets a reset that can
    // destroy the close frame before it reads it. Here the server stops sending, reads and
    // discards until the peer closes, and closes: at most `drain_bytes` or `drain_time`.
    static constexpr std::size_t drain_bytes = 1024 * 1024;
    static constexpr std::chrono::seconds drain_time{5};

    struct teardown_op {
        std::shared_ptr<state> s;
        beast::role_type role;
        std::unique_ptr<std::array<char, 4096>> scratch =
            std::make_unique<std::array<char, 4096>>();
        std::size_t drained = 0;
        enum { flushing, tearing_down, draining } step = flushing;

        template <class Self>
        void operator()(Self& self, beast::error_code ec = {}, std::size_t read = 0) {
            switch (step) {
                case flushing:
                    step = tearing_down;  // whether or not the flush succeeded
                    asio::async_compose<Self, void(beast::error_code)>(flush_op{s}, self,
                                                                       s->stream);
                    return;
                case tearing_down: {
                    step = draining;
                    beast::error_code ignored;
                    if (role == beast::role_type::server) {
                        s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    }
                    s->stream.expires_after(drain_time);
                    return s->stream.async_read_some(asio::buffer(*scratch), std::move(self));
                }
                case draining:
                    drained += read;
                    if (!ec && read > 0 && drained < drain_bytes) {
                        return s->stream.async_read_some(asio::buffer(*scratch), std::move(self));
                    }
                    // The peer closed (end of stream), or it did not in time or within bounds.
                    beast::error_code ignored;
                    if (role == beast::role_type::client) {
                        s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    }
                    s->stream.socket().close(ignored);
                    return self.complete(ec == asio::error::eof ? beast::error_code() : ec);
            }
        }
    };

    std::shared_ptr<state> state_;
};

}  // namespace parlor::realtime
