#pragma once

// Client sockets: the server's address, where connections come from, a keep-alive HTTP
// client and a WebSocket connection with an ordered write queue. Single-threaded: every
// object here lives on one io_context run by one thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asio.hpp"

namespace load {

using steady = std::chrono::steady_clock;

// `http://host:port` (an IPv4 or IPv6 literal, or a name that resolves).
struct server_url {
    std::string host;
    std::uint16_t port = 0;
    tcp::endpoint endpoint;
    std::string host_header;  // host:port

    static server_url parse(asio::io_context& io, const std::string& url);
};

// Where client connections come from. Against a loopback server they are spread over
// 127.0.0.1 .. 127.0.0.N, so that ten thousand sockets (and the TIME_WAIT ones left by
// earlier phases) never run one address out of ephemeral ports.
class source_addresses {
  public:
    source_addresses(const server_url& server, int count);
    // Every connection from `only` (one client at one address); unspecified: no binding.
    explicit source_addresses(asio::ip::address only);
    // The address to bind the next socket to; unspecified when no binding is wanted.
    asio::ip::address next();

  private:
    std::vector<asio::ip::address> addresses_;
    std::size_t next_ = 0;
};

struct net_context {
    asio::io_context& io;
    server_url server;
    source_addresses sources;
};

// Opens `socket` and connects it to the server (TCP_NODELAY on).
asio::awaitable<void> connect_socket(tcp::socket& socket, net_context& net);

struct http_reply {
    int status = 0;
    std::string body;
};

// One keep-alive HTTP/1.1 connection; reconnects when the server has closed it.
class http_client {
  public:
    explicit http_client(net_context& net);
    // Throws std::exception when the request cannot be made or no answer comes in 15 s.
    asio::awaitable<http_reply> request(http::verb method, const std::string& target,
                                        const std::string& body, const std::string& token = {});

  private:
    asio::awaitable<void> ensure_connected();

    net_context& net_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
};

// A WebSocket to the server's /ws (RFC 6455, client side). Beast makes the upgrade
// request; frames are encoded and decoded here, so that all frames queued while a write is
// in flight go out in one system call and a read takes every frame that has arrived: the
// load generator must cost far less than the servers it drives. Reads are the owner's
// (one at a time); writes are queued and go out in order; pings are answered.
class ws_conn : public std::enable_shared_from_this<ws_conn> {
  public:
    explicit ws_conn(net_context& net);

    // Connects and upgrades (10 s deadline); throws on failure.
    asio::awaitable<void> open();
    // The next text (or binary) message; the view stays valid until the next read().
    // Throws on error or when the server closes the socket.
    asio::awaitable<std::string_view> read();
    // Queues one text frame.
    void send(std::string_view text);
    // Ends the connection at once (no close handshake).
    void close();

    std::size_t queued_bytes() const { return pending_.size() + writing_bytes_; }
    bool write_failed() const { return !write_error_.empty(); }
    const std::string& write_error() const { return write_error_; }

  private:
    void queue_frame(unsigned opcode, std::string_view payload);
    asio::awaitable<void> write_loop();

    net_context& net_;
    tcp::socket socket_;
    std::vector<char> in_;  // received bytes: [in_begin_, in_end_) not yet used
    std::size_t in_begin_ = 0, in_end_ = 0;
    std::string message_;            // a fragmented message being put together
    std::string pending_, writing_;  // encoded frames: queued / being written
    std::size_t writing_bytes_ = 0;
    bool write_active_ = false;
    std::string write_error_;
    std::uint64_t mask_state_;
};

// Counts outstanding work; wait() returns when it drops to zero.
class wait_group {
  public:
    explicit wait_group(const asio::any_io_executor& executor)
        : timer_(executor, steady::time_point::max()) {}
    void add(std::size_t n = 1) { pending_ += n; }
    void done() {
        if (--pending_ == 0) timer_.cancel();
    }
    asio::awaitable<void> wait();

  private:
    asio::steady_timer timer_;
    std::size_t pending_ = 0;
};

// Runs fn(item, worker) for item 0 .. count - 1 on at most `concurrency` workers (worker is
// 0 .. concurrency - 1, for per-worker state); rethrows the first failure once every
// started call has finished.
template <class Fn>
asio::awaitable<void> run_concurrently(std::size_t count, std::size_t concurrency, Fn fn) {
    auto executor = co_await asio::this_coro::executor;
    wait_group group(executor);
    std::size_t next = 0;
    std::exception_ptr failure;
    auto worker = [&](std::size_t id) -> asio::awaitable<void> {
        while (next < count && !failure) co_await fn(next++, id);
    };
    std::size_t workers = std::min(count, std::max<std::size_t>(concurrency, 1));
    group.add(workers);
    for (std::size_t i = 0; i < workers; ++i) {
        asio::co_spawn(executor, worker(i), [&](std::exception_ptr e) {
            if (e && !failure) failure = e;
            group.done();
        });
    }
    if (workers > 0) co_await group.wait();
    if (failure) std::rethrow_exception(failure);
}

// Waits `duration` (or until the timer is cancelled).
asio::awaitable<void> sleep_for(steady::duration duration);

}  // namespace load
