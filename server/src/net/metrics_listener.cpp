#include "net/metrics_listener.hpp"

#include <spdlog/spdlog.h>

namespace parlor::net {
namespace {

constexpr int max_connections = 16;
constexpr auto request_timeout = std::chrono::seconds(10);

}  // namespace

metrics_listener::metrics_listener(asio::io_context& io, const tcp::endpoint& endpoint,
                                   scraper scrape)
    : io_(io), acceptor_(io, endpoint), scrape_(std::move(scrape)) {}

void metrics_listener::start() {
    asio::co_spawn(io_, accept_loop(), asio::detached);
}

void metrics_listener::stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
}

asio::awaitable<void> metrics_listener::accept_loop() {
    for (;;) {
        beast::error_code ec;
        auto socket = co_await acceptor_.async_accept(
            asio::make_strand(io_), asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec) {
            spdlog::warn("metrics listener: accept failed: {}", ec.message());
            continue;
        }
        if (connections_.fetch_add(1) >= max_connections) {
            --connections_;
            socket.close(ec);
            continue;
        }
        auto executor = socket.get_executor();
        asio::co_spawn(executor, serve(std::move(socket)), [this](std::exception_ptr failure) {
            --connections_;
            if (!failure) return;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                spdlog::warn("metrics listener: {}", e.what());
            }
        });
    }
}

asio::awaitable<void> metrics_listener::serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        beast::error_code ec;
        stream.expires_after(request_timeout);
        http::request_parser<http::empty_body> parser;
        parser.header_limit(8 * 1024);
        parser.body_limit(0);
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        const auto& req = parser.get();
        auto target = std::string_view(req.target().data(), req.target().size());
        target = target.substr(0, target.find('?'));
        http::response<http::string_body> res;
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        bool readable = req.method() == http::verb::get || req.method() == http::verb::head;
        if (target == "/metrics" && readable) {
            res.result(http::status::ok);
            res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.body() = co_await scrape_();
        } else {
            res.result(http::status::not_found);
            res.set(http::field::content_type, "text/plain; charset=utf-8");
            res.body() = "Metrics are at /metrics\n";
        }
        res.set(http::field::cache_control, "no-store");
        res.prepare_payload();
        if (req.method() == http::verb::head) res.body().clear();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace parlor::net
