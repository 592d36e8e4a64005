#include "net/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>

namespace parlor::net {
namespace {

constexpr auto warning_interval = std::chrono::seconds(10);

int open_spare_descriptor() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

ip_address address_of(const tcp::endpoint& endpoint) {
    auto address = endpoint.address();
    if (address.is_v4()) return ip_address::v4(address.to_v4().to_bytes());
    return ip_address::v6(address.to_v6().to_bytes());
}

// A whole response in one buffer: written with one non-blocking send(2) and never waited
// for; a client that cannot take these bytes at once gets a closed connection instead.
std::string refusal_response(unsigned status, std::string_view reason, std::string_view code,
                             std::string_view message) {
    auto body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nRetry-After: 1\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff"
           "\r\nConnection: close\r\n\r\n" +
           body;
}

bool out_of_descriptors(const beast::error_code& ec) {
    return ec == asio::error::no_descriptors ||
           ec == boost::system::errc::too_many_files_open_in_system;
}

}  // namespace

bool listener::throttled_warning::due(std::size_t& count) {
    ++since_last;
    auto now = std::chrono::steady_clock::now();
    if (now < next) return false;
    next = now + warning_interval;
    count = since_last;
    since_last = 0;
    return true;
}

listener::listener(asio::io_context& io, tcp::endpoint endpoint, const http_handlers& handlers,
                   connection_limiter& limits)
    : io_(io), acceptor_(io), handlers_(handlers), limits_(limits) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    acceptor_.non_blocking(true);  // shed_waiting_connection() accepts without waiting
    spare_descriptor_ = open_spare_descriptor();
}

listener::~listener() {
    if (spare_descriptor_ >= 0) ::close(spare_descriptor_);
}

void listener::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void listener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
    registry_.begin_shutdown();
}

asio::awaitable<void> listener::accept_loop() {
    for (;;) {
        beast::error_code ec;
        // Each connection runs on its own strand, so a session never races itself even
        // when several threads run the io_context.
        tcp::socket socket(asio::make_strand(io_));
        co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (!ec) {
            admit(std::move(socket));
            continue;
        }
        // The waiting connection stays queued, so accepting again would fail again at once:
        // take it off the queue (closed), or wait a little.
        bool shed = out_of_descriptors(ec) && shed_waiting_connection();
        if (std::size_t count = 0; accept_failures_.due(count)) {
            spdlog::warn(nlohmann::json{{"event", "accept_failed"},
                                        {"reason", ec.message()},
                                        {"count", count},
                                        {"open_connections", limits_.open_connections()}}
                             .dump());
        }
        if (shed) continue;
        asio::steady_timer backoff(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

bool listener::shed_waiting_connection() {
    if (spare_descriptor_ < 0) spare_descriptor_ = open_spare_descriptor();
    if (spare_descriptor_ < 0) return false;
    ::close(spare_descriptor_);
    int waiting = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (waiting >= 0) ::close(waiting);
    spare_descriptor_ = open_spare_descriptor();
    return waiting >= 0 || errno == EAGAIN || errno == EWOULDBLOCK;
}

void listener::admit(tcp::socket socket) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // gone already; the socket closes here
    auto peer = address_of(remote);
    // A trusted proxy carries many clients: it counts only against the total.
    auto admission =
        limits_.try_open(handlers_.proxies.contains(peer) ? std::string() : peer.client_key());
    if (admission.refused != connection_refusal::none) {
        refuse(socket, admission.refused, peer);
        return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<http_session>(std::move(socket), handlers_, registry_, peer,
                                                  std::move(admission.slot));
    registry_.add(session);
    if (registry_.shutting_down()) {
        session->close_if_idle();
    }
    auto executor = session->stream_executor();
    asio::co_spawn(
        executor, [session]() -> asio::awaitable<void> { co_await session->run(); },
        [](std::exception_ptr failure) {
            if (!failure) return;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                spdlog::error("connection ended by an unexpected error: {}", e.what());
            }
        });
}

void listener::refuse(tcp::socket& socket, connection_refusal why, const ip_address& peer) {
    static const std::string server_full =
        refusal_response(503, "Service Unavailable", "unavailable",
                         "The server has too many connections; try again shortly");
    static const std::string client_full =
        refusal_response(429, "Too Many Requests", "rate_limited",
                         "Too many connections from your address; close some and try again");
    bool full = why == connection_refusal::server_full;
    const auto& answer = full ? server_full : client_full;
    // Best effort and never waited for: the listener must not stall on a refused client.
    [[maybe_unused]] auto sent =
        ::send(socket.native_handle(), answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    auto& warning = full ? refused_server_full_ : refused_client_full_;
    if (std::size_t count = 0; warning.due(count)) {
        spdlog::warn(nlohmann::json{{"event", "connections_refused"},
                                    {"reason", full ? "max_connections" : "max_connections_per_ip"},
                                    {"count", count},
                                    {"last_client_ip", peer.to_string()},
                                    {"open_connections", limits_.open_connections()}}
                         .dump());
    }
}

}  // namespace parlor::net
