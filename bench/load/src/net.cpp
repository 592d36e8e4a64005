#include "net.hpp"

#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace load {
namespace {

constexpr auto request_timeout = std::chrono::seconds(15);
constexpr auto handshake_timeout = std::chrono::seconds(10);

}  // namespace

server_url server_url::parse(asio::io_context& io, const std::string& url) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("the URL must start with http://");
    std::string rest = url.substr(scheme.size());
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    server_url out;
    std::string port;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos) throw std::invalid_argument("bad IPv6 literal in URL");
        out.host = rest.substr(1, close - 1);
        if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
    } else {
        auto colon = rest.rfind(':');
        out.host = rest.substr(0, colon);
        if (colon != std::string::npos) port = rest.substr(colon + 1);
    }
    if (out.host.empty()) throw std::invalid_argument("no host in URL");
    out.port = static_cast<std::uint16_t>(port.empty() ? 80 : std::stoi(port));
    out.host_header = rest;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(out.host, std::to_string(out.port));
    if (results.empty()) throw std::runtime_error("cannot resolve " + out.host);
    out.endpoint = *results.begin();
    return out;
}

source_addresses::source_addresses(const server_url& server, int count) {
    auto address = server.endpoint.address();
    if (!address.is_v4() || !address.is_loopback()) return;
    for (int i = 1; i <= std::max(count, 0) && i < 255; ++i) {
        addresses_.push_back(asio::ip::make_address_v4(0x7f000000u + static_cast<unsigned>(i)));
    }
}

source_addresses::source_addresses(asio::ip::address only) {
    if (!only.is_unspecified()) addresses_.push_back(only);
}

asio::ip::address source_addresses::next() {
    if (addresses_.empty()) return {};
    return addresses_[next_++ % addresses_.size()];
}

asio::awaitable<void> connect_socket(tcp::socket& socket, net_context& net) {
    auto protocol = net.server.endpoint.protocol();
    socket.open(protocol);
    auto source = net.sources.next();
    if (!source.is_unspecified()) {
        // Let connect() pick the port for the whole 4-tuple, not bind() for the address.
        int one = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        socket.bind(tcp::endpoint(source, 0));
    }
    co_await socket.async_connect(net.server.endpoint, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
}

http_client::http_client(net_context& net) : net_(net), stream_(net.io) {}

asio::awaitable<void> http_client::ensure_connected() {
    if (connected_) co_return;
    // A closed socket opens again in connect_socket().
    buffer_.clear();
    stream_.expires_after(request_timeout);
    co_await connect_socket(stream_.socket(), net_);
    connected_ = true;
}

asio::awaitable<http_reply> http_client::request(http::verb method, const std::string& target,
                                                 const std::string& body,
                                                 const std::string& token) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, net_.server.host_header);
    req.set(http::field::user_agent, "parlor-load");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (method == http::verb::post || method == http::verb::put) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();

    // A keep-alive connection the server has just closed fails on first use: try once more
    // on a fresh one.
    for (int attempt = 0;; ++attempt) {
        bool fresh = !connected_;
        co_await ensure_connected();
        beast::error_code ec;
        stream_.expires_after(request_timeout);
        co_await http::async_write(stream_, req, asio::redirect_error(asio::use_awaitable, ec));
        http::response<http::string_body> res;
        if (!ec) {
            co_await http::async_read(stream_, buffer_, res,
                                      asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec) {
            connected_ = false;
            beast::error_code ignored;
            stream_.socket().close(ignored);
            if (fresh || attempt > 0) throw beast::system_error(ec);
            continue;
        }
        stream_.expires_never();
        if (!res.keep_alive()) {
            connected_ = false;
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream_.socket().close(ignored);
        }
        co_return http_reply{static_cast<int>(res.result_int()), std::move(res.body())};
    }
}

ws_conn::ws_conn(net_context& net)
    : net_(net),
      socket_(net.io),
      mask_state_(0x9E3779B97F4A7C15ull ^ reinterpret_cast<std::uintptr_t>(this)) {}

asio::awaitable<void> ws_conn::open() {
    co_await connect_socket(socket_, net_);
    websocket::detail::sec_ws_key_type key;
    websocket::detail::make_sec_ws_key(key);
    http::request<http::empty_body> req{http::verb::get, "/ws", 11};
    req.set(http::field::host, net_.server.host_header);
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, key);
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::user_agent, "parlor-load");

    asio::steady_timer deadline(net_.io, handshake_timeout);
    deadline.async_wait([this](const beast::error_code& ec) {
        if (!ec) close();  // the pending handshake fails with operation_aborted
    });
    co_await http::async_write(socket_, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a 101 has no body
    co_await http::async_read_header(socket_, buffer, parser, asio::use_awaitable);
    deadline.cancel();
    const auto& res = parser.get();
    if (res.result() != http::status::switching_protocols) {
        throw std::runtime_error("the upgrade was refused: HTTP " +
                                 std::to_string(res.result_int()));
    }
    websocket::detail::sec_ws_accept_type accept;
    websocket::detail::make_sec_ws_accept(accept, key);
    if (res[http::field::sec_websocket_accept] != beast::string_view(accept)) {
        throw std::runtime_error("the upgrade answer has a wrong Sec-WebSocket-Accept");
    }
    // Whatever came after the response head is the first frames.
    in_.resize(std::max<std::size_t>(8192, buffer.size()));
    auto rest = buffer.cdata();
    std::memcpy(in_.data(), rest.data(), rest.size());
    in_begin_ = 0;
    in_end_ = rest.size();
}

asio::awaitable<std::string_view> ws_conn::read() {
    for (;;) {
        // One whole frame in [in_begin_, in_end_)?
        const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + in_begin_);
        std::size_t have = in_end_ - in_begin_;
        std::size_t need = 2;
        if (have >= 2) {
            std::uint64_t length = p[1] & 0x7f;
            std::size_t header = 2;
            if (length == 126) header = 4;
            if (length == 127) header = 10;
            bool masked = (p[1] & 0x80) != 0;
            if (masked) header += 4;
            need = header;
            if (have >= header) {
                if (length == 126) length = (std::uint64_t{p[2]} << 8) | p[3];
                if (length == 127) {
                    length = 0;
                    for (int i = 2; i < 10; ++i) length = (length << 8) | p[i];
                }
                if (length > (16u << 20)) throw std::runtime_error("a frame above 16 MiB");
                need = header + static_cast<std::size_t>(length);
                if (have >= need) {
                    char* payload = in_.data() + in_begin_ + header;
                    if (masked) {  // servers must not mask, but tolerate it
                        const unsigned char* key = p + header - 4;
                        for (std::size_t i = 0; i < length; ++i) payload[i] ^= key[i % 4];
                    }
                    std::string_view data(payload, static_cast<std::size_t>(length));
                    in_begin_ += need;
                    bool fin = (p[0] & 0x80) != 0;
                    unsigned opcode = p[0] & 0x0f;
                    if (opcode == 0x9) {
                        queue_frame(0xA, data);  // ping: pong
                        continue;
                    }
                    if (opcode == 0xA) continue;  // pong
                    if (opcode == 0x8) {
                        queue_frame(0x8, data.substr(0, std::min<std::size_t>(data.size(), 2)));
                        throw std::runtime_error(
                            "the server closed the socket" +
                            (data.size() >= 2
                                 ? " (" +
                                       std::to_string((static_cast<unsigned char>(data[0]) << 8) |
                                                      static_cast<unsigned char>(data[1])) +
                                       " " + std::string(data.substr(2)) + ")"
                                 : std::string()));
                    }
                    if (opcode == 0x0) {
                        message_.append(data);
                        if (!fin) continue;
                        co_return std::string_view(message_);
                    }
                    if (!fin) {
                        message_.assign(data);
                        continue;
                    }
                    co_return data;
                }
            }
        }
        // Not enough: make room (keep what is unused) and read more.
        if (in_begin_ > 0) {
            std::memmove(in_.data(), in_.data() + in_begin_, have);
            in_begin_ = 0;
            in_end_ = have;
        }
        if (in_.size() - in_end_ < 1024 || in_.size() < need) {
            in_.resize(std::max(in_.size() * 2, need + 1024));
        }
        std::size_t n = co_await socket_.async_read_some(
            asio::buffer(in_.data() + in_end_, in_.size() - in_end_), asio::use_awaitable);
        in_end_ += n;
    }
}

void ws_conn::queue_frame(unsigned opcode, std::string_view payload) {
    if (!write_error_.empty()) return;
    unsigned char header[14];
    std::size_t h = 0;
    header[h++] = static_cast<unsigned char>(0x80 | opcode);
    auto length = payload.size();
    if (length < 126) {
        header[h++] = static_cast<unsigned char>(0x80 | length);
    } else if (length <= 0xffff) {
        header[h++] = 0x80 | 126;
        header[h++] = static_cast<unsigned char>(length >> 8);
        header[h++] = static_cast<unsigned char>(length);
    } else {
        header[h++] = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8) {
            header[h++] = static_cast<unsigned char>(static_cast<std::uint64_t>(length) >> shift);
        }
    }
    // xorshift64*: masks only have to be unpredictable to intermediaries, not secret.
    mask_state_ ^= mask_state_ >> 12;
    mask_state_ ^= mask_state_ << 25;
    mask_state_ ^= mask_state_ >> 27;
    auto key32 = static_cast<std::uint32_t>((mask_state_ * 0x2545F4914F6CDD1Dull) >> 32);
    unsigned char key[4];
    std::memcpy(key, &key32, 4);
    std::memcpy(header + h, key, 4);
    h += 4;
    pending_.append(reinterpret_cast<const char*>(header), h);
    auto at = pending_.size();
    pending_.append(payload);
    char* out = pending_.data() + at;
    std::uint64_t key64 = 0;
    for (int i = 0; i < 8; ++i) key64 |= std::uint64_t{key[i % 4]} << (8 * i);
    std::size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, out + i, 8);
        chunk ^= key64;
        std::memcpy(out + i, &chunk, 8);
    }
    for (; i < length; ++i) out[i] ^= static_cast<char>(key[i % 4]);

    if (write_active_) return;
    write_active_ = true;
    asio::co_spawn(
        net_.io, [self = shared_from_this()] { return self->write_loop(); }, asio::detached);
}

void ws_conn::send(std::string_view text) {
    queue_frame(0x1, text);
}

asio::awaitable<void> ws_conn::write_loop() {
    // Everything queued while the previous write was in flight goes out in one write.
    while (!pending_.empty()) {
        writing_.swap(pending_);
        writing_bytes_ = writing_.size();
        beast::error_code ec;
        co_await asio::async_write(socket_, asio::buffer(writing_),
                                   asio::redirect_error(asio::use_awaitable, ec));
        writing_.clear();
        writing_bytes_ = 0;
        if (ec) {
            write_error_ = ec.message();
            pending_.clear();
            break;
        }
    }
    write_active_ = false;
}

void ws_conn::close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

asio::awaitable<void> wait_group::wait() {
    while (pending_ > 0) {
        beast::error_code ignored;
        timer_.expires_at(steady::time_point::max());
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

asio::awaitable<void> sleep_for(steady::duration duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    beast::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace load
