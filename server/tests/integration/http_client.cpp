#include "http_client.hpp"

#include <array>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

#include "common/asio.hpp"

namespace parlor::itest {

struct http_connection::state {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
};

namespace {

constexpr std::uint64_t reply_body_limit = 64 * 1024 * 1024;

tcp::endpoint loopback(unsigned short port) {
    return {asio::ip::address_v4::loopback(), port};
}

template <class Body>
http_reply head_of(const http::response<Body>& res) {
    http_reply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
        reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.keep_alive = res.keep_alive();
    return reply;
}

http_reply to_reply(http::response<http::string_body>&& res) {
    auto reply = head_of(res);
    reply.body = std::move(res.body());
    return reply;
}

}  // namespace

std::optional<std::string> http_reply::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, beast::string_view(name.data(), name.size()))) return value;
    }
    return std::nullopt;
}

nlohmann::json http_reply::json() const {
    return nlohmann::json::parse(body);
}

http_connection::http_connection(unsigned short port, std::chrono::milliseconds timeout)
    : timeout_(timeout), state_(std::make_unique<state>()) {
    auto ec = run(
        [&](auto handler) {
            state_->stream.async_connect(loopback(port),
                                         [handler](boost::system::error_code e) { handler(e); });
        },
        timeout_);
    if (ec) {
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 ec.message());
    }
}

http_connection::~http_connection() {
    boost::system::error_code ignored;
    state_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    state_->stream.socket().close(ignored);
}

template <class Start>
boost::system::error_code http_connection::run(Start start, std::chrono::milliseconds timeout) {
    boost::system::error_code result = asio::error::would_block;
    state_->stream.expires_after(timeout);
    start([&result](boost::system::error_code ec) { result = ec; });
    state_->io.restart();
    state_->io.run();
    return result;
}

void http_connection::write_request(std::string_view method, std::string_view target,
                                    std::string_view body, const header_list& headers) {
    http::request<http::string_body> req;
    req.version(11);
    auto verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == http::verb::unknown) {
        req.method_string(beast::string_view(method.data(), method.size()));
    } else {
        req.method(verb);
    }
    req.target(beast::string_view(target.data(), target.size()));
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::user_agent, "parlor-integration-tests");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::string(body);
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) req.prepare_payload();
    auto ec = run(
        [&](auto handler) {
            http::async_write(state_->stream, req,
                              [handler](boost::system::error_code e, std::size_t) { handler(e); });
        },
        timeout_);
    if (ec) throw std::runtime_error("writing the request failed: " + ec.message());
}

void http_connection::write_head(std::string_view method, std::string_view target,
                                 const header_list& headers) {
    std::string head = std::string(method) + " " + std::string(target) +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: parlor-integration-tests\r\n";
    for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
    write_raw(head + "\r\n");
}

void http_connection::write_raw(std::string_view bytes) {
    auto ec = run(
        [&](auto handler) {
            asio::async_write(state_->stream, asio::buffer(bytes.data(), bytes.size()),
                              [handler](boost::system::error_code e, std::size_t) { handler(e); });
        },
        timeout_);
    if (ec) throw std::runtime_error("writing failed: " + ec.message());
}

http_reply http_connection::read_reply(std::string_view method) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(reply_body_limit);
    if (method == "HEAD") parser.skip(true);
    auto ec = run(
        [&](auto handler) {
            http::async_read(state_->stream, state_->buffer, parser,
                             [handler](boost::system::error_code e, std::size_t) { handler(e); });
        },
        timeout_);
    if (ec) throw std::runtime_error("reading the response failed: " + ec.message());
    return to_reply(parser.release());
}

http_reply http_connection::read_reply_streaming(
    const std::function<void(std::string_view)>& on_body) {
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto ec = run(
        [&](auto handler) {
            http::async_read_header(
                state_->stream, state_->buffer, parser,
                [handler](boost::system::error_code e, std::size_t) { handler(e); });
        },
        timeout_);
    if (ec) throw std::runtime_error("reading the response header failed: " + ec.message());
    // Beast reads as much as the buffer has room for (up to 64 KiB): make room, or a body
    // arrives a few hundred bytes per read.
    state_->buffer.reserve(1 << 20);
    std::vector<char> chunk(1 << 20);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        ec = run(
            [&](auto handler) {
                http::async_read_some(
                    state_->stream, state_->buffer, parser,
                    [handler](boost::system::error_code e, std::size_t) { handler(e); });
            },
            timeout_);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) throw std::runtime_error("reading the response body failed: " + ec.message());
        on_body(std::string_view(chunk.data(), chunk.size() - parser.get().body().size));
    }
    return head_of(parser.get());
}

http_reply http_connection::request(std::string_view method, std::string_view target,
                                    std::string_view body, const header_list& headers) {
    write_request(method, target, body, headers);
    return read_reply(method);
}

bool http_connection::closed_by_peer(std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return false;
        std::size_t got = 0;
        auto ec = run(
            [&](auto handler) {
                state_->stream.async_read_some(
                    state_->buffer.prepare(4096),
                    [handler, &got](boost::system::error_code e, std::size_t n) {
                        got = n;
                        handler(e);
                    });
            },
            left);
        state_->buffer.commit(got);
        if (ec == beast::error::timeout) return false;
        if (ec) return true;  // EOF, reset: the server hung up
    }
}

unsigned short http_connection::local_port() const {
    boost::system::error_code ec;
    auto endpoint = state_->stream.socket().local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

std::string http_connection::unread() const {
    return beast::buffers_to_string(state_->buffer.data());
}

http_reply request(unsigned short port, std::string_view method, std::string_view target,
                   std::string_view body, const header_list& headers,
                   std::chrono::milliseconds timeout) {
    http_connection connection(port, timeout);
    return connection.request(method, target, body, headers);
}

std::optional<http_reply> raw_exchange::first_reply() const {
    auto replies = parse_replies(received);
    if (replies.empty()) return std::nullopt;
    return std::move(replies.front());
}

raw_exchange send_raw(unsigned short port, std::string_view bytes,
                      std::chrono::milliseconds timeout, bool then_half_close) {
    asio::io_context io;
    tcp::socket socket(io);
    asio::steady_timer deadline(io);
    raw_exchange result;
    bool timed_out = false, write_done = false;
    std::array<char, 16 * 1024> chunk{};

    deadline.expires_after(timeout);
    deadline.async_wait([&](boost::system::error_code ec) {
        if (!ec) {
            timed_out = true;
            boost::system::error_code ignored;
            socket.close(ignored);
        }
    });

    std::function<void()> read_more = [&] {
        socket.async_read_some(asio::buffer(chunk),
                               [&](boost::system::error_code ec, std::size_t n) {
                                   result.received.append(chunk.data(), n);
                                   if (!ec) {
                                       read_more();
                                       return;
                                   }
                                   // EOF or reset; our own close happens only at the deadline.
                                   result.closed_by_peer = !timed_out;
                                   // The server is done with us: stop writing too, and stop the
                                   // clock.
                                   boost::system::error_code ignored;
                                   if (!write_done) result.write_failed = true;
                                   socket.close(ignored);
                                   deadline.cancel();
                               });
    };

    socket.async_connect(loopback(port), [&](boost::system::error_code ec) {
        if (ec) {
            deadline.cancel();
            throw std::runtime_error("cannot connect: " + ec.message());
        }
        asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()),
                          [&](boost::system::error_code write_error, std::size_t) {
                              write_done = true;
                              if (write_error) {
                                  result.write_failed = true;
                              } else if (then_half_close) {
                                  boost::system::error_code ignored;
                                  socket.shutdown(tcp::socket::shutdown_send, ignored);
                              }
                          });
        read_more();
    });
    io.run();
    return result;
}

std::vector<http_reply> parse_replies(std::string_view bytes, bool head_request) {
    std::vector<http_reply> replies;
    while (!bytes.empty()) {
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        parser.body_limit(reply_body_limit);
        parser.skip(head_request);
        boost::system::error_code ec;
        while (!parser.is_done() && !bytes.empty()) {
            auto used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
            bytes.remove_prefix(used);
            if (ec || used == 0) break;
        }
        if (!parser.is_done() && !ec && bytes.empty() && parser.is_header_done() &&
            parser.need_eof()) {
            parser.put_eof(ec);  // a body that ends with the connection
        }
        if (!parser.is_done() || ec) break;
        replies.push_back(to_reply(parser.release()));
    }
    return replies;
}

}  // namespace parlor::itest
