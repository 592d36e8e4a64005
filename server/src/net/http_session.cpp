#include "net/http_session.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/response.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "net/blob_transfer.hpp"
#include "net/security_headers.hpp"
#include "net/transfer_coding.hpp"
#include "realtime/realtime_service.hpp"

namespace parlor::net {
namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);  // between requests on a connection
constexpr auto request_timeout = std::chrono::seconds(30);
constexpr std::uint32_t header_limit = 16 * 1024;
constexpr std::size_t first_read = 4096;
constexpr unsigned char tls_handshake_record = 22;

std::string_view path_only(beast::string_view target) {
    std::string_view t(target.data(), target.size());
    return t.substr(0, t.find('?'));  // query strings may carry signatures: never logged
}

// The request's Transfer-Encoding fields joined with commas; nullopt when it has none.
std::optional<std::string> transfer_encoding(const http::request_header<>& req) {
    auto [field, end] = req.equal_range(http::field::transfer_encoding);
    if (field == end) return std::nullopt;
    std::string joined;
    for (; field != end; ++field) {
        if (!joined.empty()) joined += ',';
        joined.append(field->value().data(), field->value().size());
    }
    return joined;
}

bool supported_framing(const http::request_header<>& req) {
    auto codings = transfer_encoding(req);
    return supported_transfer_coding(
        codings ? std::optional<std::string_view>(*codings) : std::nullopt, req.version());
}

}  // namespace

void connection_registry::add(const std::shared_ptr<http_session>& session) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(session.get(), session);
}

void connection_registry::remove(const http_session* session) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
}

void connection_registry::begin_shutdown() {
    shutting_down_ = true;
    std::vector<std::shared_ptr<http_session>> open;
    {
        std::lock_guard lock(mutex_);
        for (auto& [_, weak] : sessions_) {
            if (auto session = weak.lock()) open.push_back(std::move(session));
        }
    }
    for (auto& session : open) session->close_if_idle();
}

std::size_t connection_registry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

http_session::http_session(tcp::socket socket, const http_handlers& handlers,
                           connection_registry& registry, ip_address peer, connection_slot slot)
    : stream_(handlers.tls
                  ? transport(beast::tcp_stream(std::move(socket)), handlers.tls->current())
                  : transport(beast::tcp_stream(std::move(socket)))),
      handlers_(handlers),
      registry_(registry),
      slot_(std::move(slot)),
      peer_(peer),
      client_ip_(peer.to_string()),
      client_key_(peer.client_key()) {}

http_session::~http_session() {
    registry_.remove(this);
}

void http_session::close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
        if (!self->busy_) {
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            self->stream_.socket().close(ignored);
        }
    });
}

asio::awaitable<void> http_session::run() {
    if (stream_.secure()) {
        // The handshake counts against the first request's header deadline. Its first byte
        // tells a TLS client (a handshake record starts with 22) from someone who typed
        // http:// for this port, who is sent to https://.
        beast::error_code ec;
        stream_.expires_after(handlers_.header_timeout);
        auto n = co_await stream_.tcp().async_read_some(
            buffer_.prepare(first_read), asio::redirect_error(asio::use_awaitable, ec));
        buffer_.commit(n);
        if (!ec && static_cast<unsigned char>(*static_cast<const char*>(buffer_.data().data())) !=
                       tls_handshake_record) {
            co_return co_await redirect_to_https();
        }
        if (!ec) {
            auto used = co_await stream_.async_handshake(
                buffer_.data(), asio::redirect_error(asio::use_awaitable, ec));
            buffer_.consume(used);
        }
        if (ec || buffer_.size() > 0) {
            stream_.socket().close(ec);
            co_return;
        }
    }
    for (bool first = true;; first = false) {
        beast::error_code ec;
        if (!first && buffer_.size() == 0) {
            // Kept alive between requests: wait for the next one to begin.
            stream_.expires_after(idle_timeout);
            auto n = co_await stream_.async_read_some(
                buffer_.prepare(first_read), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return co_await reply_and_close(ec);
            buffer_.commit(n);
        }
        // A new connection, or a request that has begun: the whole head within the deadline,
        // so that half a header cannot hold a descriptor for long.
        stream_.expires_after(handlers_.header_timeout);
        http::request_parser<http::empty_body> header_parser;
        header_parser.header_limit(header_limit);
        // Each kind of request weighs its own body below (JSON, file bytes). Not
        // boost::none: Beast 1.74 compares the length against it as if it were zero.
        header_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        co_await http::async_read_header(stream_, buffer_, header_parser,
                                         asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return co_await reply_and_close(ec);
        identify_client(header_parser.get());
        if (!supported_framing(header_parser.get())) {
            co_return co_await reply_and_close(http::error::bad_transfer_encoding);
        }

        busy_ = true;
        auto started = std::chrono::steady_clock::now();
        std::string request_id = random_hex(8);
        if (handlers_.local_blobs &&
            path_only(header_parser.get().target()).starts_with("/blobs/")) {
            // File bytes stream through their own path, never whole in memory. An upload
            // moves the parser's message on: the log reads this copy of its head.
            http::request_header<> head = header_parser.get().base();
            auto moved =
                co_await serve_blob(stream_, buffer_, header_parser, *handlers_.local_blobs,
                                    handlers_.upload_wanted, handlers_.blocking);
            log_request(head, request_id, "blob", moved.status, moved.bytes, started);
            busy_ = false;
            if (!moved.keep_alive || registry_.shutting_down()) break;
            continue;
        }
        // The header decides the body's limit; API bodies are small JSON documents.
        http::request_parser<http::string_body> parser(std::move(header_parser));
        parser.body_limit(handlers_.max_json_body_bytes);
        stream_.expires_after(request_timeout);
        // Beast weighs Content-Length against the limit only while parsing the header, so
        // header_parser let through anything up to its own default: weigh it here.
        if (parser.content_length() > handlers_.max_json_body_bytes) {
            ec = http::error::body_limit;
        } else {
            co_await http::async_read(stream_, buffer_, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec) co_return co_await reply_and_close(ec);
        api::request req = parser.release();

        auto path = path_only(req.target());
        bool keep_open = false;
        if (path == "/ws") {
            if (co_await upgrade(req, request_id, started)) co_return;  // the socket moved on
            keep_open = false;
        } else if (path.starts_with("/api/") || path == "/api") {
            api::request_context ctx{req, client_ip_, client_key_, request_id, {}};
            auto res = co_await handlers_.api.dispatch(ctx);
            add_security_headers(res, content_kind::api);
            keep_open = co_await send(std::move(res), req, request_id, ctx.route, started);
        } else {
            auto served = handlers_.files.serve(req);
            keep_open = co_await std::visit(
                [&](auto& res) { return send(std::move(res), req, request_id, "static", started); },
                served);
        }
        busy_ = false;
        if (!keep_open || registry_.shutting_down()) break;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Plain HTTP on the TLS port: 301 to the same host and target over https (400 without a
// usable Host), then close.
asio::awaitable<void> http_session::redirect_to_https() {
    beast::error_code ec;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(header_limit);
    co_await http::async_read_header(stream_.tcp(), buffer_, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        stream_.socket().close(ec);
        co_return;
    }
    auto started = std::chrono::steady_clock::now();
    const auto& req = parser.get();
    identify_client(req);
    auto host = req[http::field::host];
    auto target = req.target();
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(false);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    bool usable = !host.empty() && host.size() <= 255 && target.starts_with("/") &&
                  host.find_first_of(" /\\@") == beast::string_view::npos;
    if (usable) {
        res.result(http::status::moved_permanently);
        res.set(http::field::location,
                "https://" + std::string(host) + std::string(target.data(), target.size()));
        res.body() = "This port speaks HTTPS only\n";
    } else {
        res.result(http::status::bad_request);
        res.body() = "This port speaks HTTPS only; open it with https://\n";
    }
    res.prepare_payload();
    auto bytes = co_await http::async_write(stream_.tcp(), res,
                                            asio::redirect_error(asio::use_awaitable, ec));
    log_request(req, random_hex(8), "https-redirect", res.result_int(), bytes, started);
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
}

template <class Response>
asio::awaitable<bool> http_session::send(Response&& res, const api::request& req,
                                         const std::string& request_id, std::string_view route,
                                         std::chrono::steady_clock::time_point started) {
    res.set("X-Request-Id", request_id);
    if (registry_.shutting_down()) res.keep_alive(false);
    bool keep_alive = res.keep_alive();
    auto status = res.result_int();
    beast::error_code ec;
    stream_.expires_after(request_timeout);
    std::size_t bytes =
        co_await http::async_write(stream_, res, asio::redirect_error(asio::use_awaitable, ec));
    log_request(req, request_id, route, status, bytes, started);
    co_return !ec && keep_alive;
}

void http_session::identify_client(const http::request_header<>& req) {
    auto client = peer_;
    if (handlers_.proxies.contains(peer_)) {
        std::string forwarded;
        for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
            if (!forwarded.empty()) forwarded += ',';
            forwarded.append(it->value().data(), it->value().size());
        }
        client = handlers_.proxies.client_of(peer_, forwarded);
    }
    client_ip_ = client.to_string();
    client_key_ = client.client_key();
}

void http_session::log_request(const http::request_header<>& req, const std::string& request_id,
                               std::string_view route, unsigned status, std::uint64_t bytes,
                               std::chrono::steady_clock::time_point started) const {
    auto took = std::chrono::steady_clock::now() - started;
    handlers_.metrics.http_request(route, static_cast<int>(status),
                                   std::chrono::duration_cast<std::chrono::microseconds>(took));
    std::chrono::duration<double, std::milli> elapsed = took;
    spdlog::info(nlohmann::json{
        {"event", "request"},
        {"request_id", request_id},
        {"method", std::string(req.method_string())},
        {"path", std::string(path_only(req.target()))},
        {"status", status},
        {"bytes", bytes},
        {"duration_ms", std::round(elapsed.count() * 100) / 100},
        {"client_ip", client_ip_},
    }
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A read failed: answer what deserves an answer (too large, malformed), then close.
asio::awaitable<void> http_session::reply_and_close(const beast::error_code& read_error) {
    std::optional<error> answer;
    http::status status{};
    if (read_error == http::error::body_limit) {
        answer.emplace(error_code::payload_too_large, "The request body is too large");
        status = http::status::payload_too_large;
    } else if (read_error == http::error::header_limit) {
        answer.emplace(error_code::bad_request, "The request headers are too large");
        status = http::status::request_header_fields_too_large;
    } else if (read_error == http::error::bad_transfer_encoding) {
        answer.emplace(error_code::bad_request,
                       "Only Transfer-Encoding: chunked is supported, and not with Content-Length");
        status = http::status::bad_request;
    } else if (read_error.category() == http::make_error_code(http::error::body_limit).category() ||
               read_error == http::error::bad_target) {
        answer.emplace(error_code::bad_request, "The request is not valid HTTP");
        status = http::status::bad_request;
    }
    if (answer && read_error != http::error::end_of_stream &&
        read_error != http::error::partial_message) {
        auto res = api::error_response(11, false, *answer);
        res.result(status);
        res.set("X-Request-Id", random_hex(8));
        add_security_headers(res, content_kind::api);
        beast::error_code ignored;
        stream_.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream_, res,
                                   asio::redirect_error(asio::use_awaitable, ignored));
        spdlog::info(nlohmann::json{
            {"event", "rejected_request"},
            {"status", static_cast<int>(status)},
            {"reason", read_error.message()},
            {"client_ip",
             client_ip_}}.dump());
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<bool> http_session::upgrade(api::request& req, const std::string& request_id,
                                            std::chrono::steady_clock::time_point started) {
    std::optional<error> refusal;
    auto status = http::status::bad_request;
    auto origin = req.find(http::field::origin);
    if (!beast::websocket::is_upgrade(req)) {
        refusal.emplace(error_code::bad_request, "This endpoint speaks WebSocket only");
        status = http::status::upgrade_required;
    } else if (origin != req.end() &&
               std::find(handlers_.allowed_origins.begin(), handlers_.allowed_origins.end(),
                         std::string_view(origin->value().data(), origin->value().size())) ==
                   handlers_.allowed_origins.end()) {
        // A page on another site must not open sockets with our users' cookies or tokens.
        refusal.emplace(error_code::forbidden, "Sockets from this origin are not allowed");
        status = http::status::forbidden;
    }
    if (refusal) {
        auto res = api::error_response(req.version(), false, *refusal);
        res.result(status);
        add_security_headers(res, content_kind::api);
        co_await send(std::move(res), req, request_id, "ws", started);
        co_return false;
    }
    handlers_.metrics.http_request("ws", 101,
                                   std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - started));
    spdlog::info(nlohmann::json{
        {"event", "websocket"},
        {"request_id", request_id},
        {"status", 101},
        {"client_ip",
         client_ip_}}.dump());
    // The socket keeps this connection's slot until the WebSocket session is gone: it is
    // released by the session's deleter, so the session itself knows nothing of limits.
    auto slot = std::make_shared<connection_slot>(std::move(slot_));
    std::shared_ptr<realtime::ws_session> socket(
        new realtime::ws_session(std::move(stream_), handlers_.realtime,
                                 handlers_.realtime.limits()),
        [slot](realtime::ws_session* session) { delete session; });
    asio::co_spawn(
        socket->executor(),
        [socket, req = std::move(req)]() mutable { return socket->run(std::move(req)); },
        asio::detached);
    co_return true;
}

}  // namespace parlor::net
