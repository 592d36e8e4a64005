#include "net/listener.hpp"

#include <spdlog/spdlog.h>

namespace parlor::net {

listener::listener(asio::io_context& io, tcp::endpoint endpoint, const http_handlers& handlers)
    : io_(io), acceptor_(io), handlers_(handlers) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
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
        if (ec) {
            // Out of file descriptors and the like: say so and keep serving the others.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer backoff(acceptor_.get_executor(), std::chrono::milliseconds(50));
            co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<http_session>(std::move(socket), handlers_, registry_);
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
}

}  // namespace parlor::net
