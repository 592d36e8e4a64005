#include "ws_client.hpp"

#include <deque>

#include "common/asio.hpp"

#include <boost/beast/websocket.hpp>

namespace parlor::itest {
namespace {

namespace websocket = boost::beast::websocket;
using clock = std::chrono::steady_clock;

constexpr auto write_timeout = 10s;

http_reply to_reply(const websocket::response_type& res) {
    http_reply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
        reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.keep_alive = res.keep_alive();
    reply.body = res.body();
    return reply;
}

}  // namespace

struct ws_client::state {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    std::deque<std::string> inbox;
    std::optional<ws_closure> closure;
    bool reading = false;
};

std::string ws_closure::describe() const {
    if (close_frame) return "close frame " + std::to_string(code) + " '" + reason + "'";
    return "connection ended without a close frame (" + error + ")";
}

upgrade_refused::upgrade_refused(http_reply r)
    : std::runtime_error("the upgrade was refused with " + std::to_string(r.status) + ": " +
                         r.body),
      reply(std::move(r)) {}

ws_client::ws_client(unsigned short port, std::optional<std::string> origin,
                     std::chrono::milliseconds timeout, std::string target)
    : state_(std::make_unique<state>()) {
    connect(port, origin, timeout, target);
    start_reading();
}

ws_client::~ws_client() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(state_->ws).socket().close(ignored);
}

void ws_client::connect(unsigned short port, const std::optional<std::string>& origin,
                        std::chrono::milliseconds timeout, const std::string& target) {
    auto& tcp_layer = beast::get_lowest_layer(state_->ws);
    boost::system::error_code result = asio::error::would_block;
    auto deadline = clock::now() + timeout;
    tcp_layer.expires_after(timeout);
    tcp_layer.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                            [&result](boost::system::error_code ec) { result = ec; });
    run_until([&] { return result != asio::error::would_block; }, deadline);
    if (result) {
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 result.message());
    }

    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    state_->ws.set_option(timeouts);
    state_->ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
        req.set(http::field::user_agent, "parlor-integration-tests");
        if (origin) req.set(http::field::origin, *origin);
    }));
    state_->ws.auto_fragment(false);  // one message, one frame: the size tests mean frames
    state_->ws.read_message_max(16 * 1024 * 1024);

    websocket::response_type response;
    result = asio::error::would_block;
    state_->ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), target,
                               [&result](boost::system::error_code ec) { result = ec; });
    run_until([&] { return result != asio::error::would_block; }, deadline);
    if (result == asio::error::would_block) {
        throw std::runtime_error("no answer to the upgrade request within the timeout");
    }
    if (result == websocket::error::upgrade_declined || response.result_int() != 101) {
        throw upgrade_refused(to_reply(response));
    }
    if (result) throw std::runtime_error("the upgrade failed: " + result.message());
    tcp_layer.expires_never();  // from here on each wait has its own deadline
}

bool ws_client::is_open() const {
    return !state_->closure.has_value();
}

std::size_t ws_client::pending() const {
    return state_->inbox.size();
}

std::string ws_client::shorten(const std::string& text) {
    if (text.size() <= 300) return text;
    return text.substr(0, 300) + "… (" + std::to_string(text.size()) + " bytes)";
}

std::optional<http_reply> ws_client::refusal(unsigned short port,
                                             std::optional<std::string> origin) {
    try {
        ws_client client(port, std::move(origin));
        client.close();
        return std::nullopt;
    } catch (const upgrade_refused& refused) {
        return refused.reply;
    }
}

template <class Done>
void ws_client::run_until(Done done, clock::time_point deadline) {
    while (!done()) {
        if (state_->io.stopped()) state_->io.restart();
        if (state_->io.run_one_until(deadline) == 0) {
            if (clock::now() >= deadline || state_->io.stopped()) return;
        }
    }
}

void ws_client::start_reading() {
    if (state_->reading || state_->closure) return;
    state_->reading = true;
    state_->ws.async_read(state_->buffer, [this](boost::system::error_code ec, std::size_t) {
        state_->reading = false;
        if (ec) {
            if (!state_->closure) {
                ws_closure closed;
                closed.error = ec.message();
                // A close frame from the server counts even when answering it failed (the
                // server may have reset the connection right after sending it).
                auto reason = state_->ws.reason();
                if (ec == websocket::error::closed || reason.code != websocket::close_code::none) {
                    closed.close_frame = true;
                    closed.code = static_cast<int>(reason.code);
                    closed.reason = std::string(reason.reason.data(), reason.reason.size());
                }
                state_->closure = std::move(closed);
            }
            return;
        }
        state_->inbox.push_back(beast::buffers_to_string(state_->buffer.data()));
        state_->buffer.consume(state_->buffer.size());
        start_reading();
    });
}

bool ws_client::write(bool text, std::string_view payload) {
    if (state_->closure) return false;
    // Shared with the handler, which may outlive this call when the write times out.
    auto result = std::make_shared<boost::system::error_code>(asio::error::would_block);
    state_->ws.text(text);
    state_->ws.async_write(asio::buffer(payload.data(), payload.size()),
                           [result](boost::system::error_code ec, std::size_t) { *result = ec; });
    run_until([&] { return *result != asio::error::would_block; }, clock::now() + write_timeout);
    if (*result == asio::error::would_block) {
        throw std::runtime_error("a WebSocket write did not finish within the timeout");
    }
    return !*result;
}

bool ws_client::send(const std::string& type, const nlohmann::json& data,
                     const nlohmann::json& rid) {
    // `{}` as an argument is a JSON null; an envelope's data is an object.
    nlohmann::json envelope = {{"type", type},
                               {"data", data.is_null() ? nlohmann::json::object() : data}};
    if (!rid.is_null()) envelope["rid"] = rid;
    return send_json(envelope);
}

bool ws_client::send_json(const nlohmann::json& envelope) {
    return send_text(envelope.dump());
}

bool ws_client::send_text(std::string_view text) {
    return write(true, text);
}

bool ws_client::send_binary(std::string_view bytes) {
    return write(false, bytes);
}

std::optional<nlohmann::json> ws_client::next(std::chrono::milliseconds timeout) {
    run_until([&] { return !state_->inbox.empty() || state_->closure.has_value(); },
              clock::now() + timeout);
    if (state_->inbox.empty()) return std::nullopt;
    std::string text = std::move(state_->inbox.front());
    state_->inbox.pop_front();
    auto frame = nlohmann::json::parse(text, nullptr, false);
    if (frame.is_discarded())
        throw std::runtime_error("the server sent a non-JSON frame: " + shorten(text));
    return frame;
}

std::optional<nlohmann::json> ws_client::next_of_type(std::string_view type,
                                                      std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        auto frame = next(std::max(left, 0ms));
        if (!frame) return std::nullopt;
        if (frame->is_object() && frame->value("type", "") == type) return frame;
    }
}

::testing::AssertionResult ws_client::expect_silence(std::chrono::milliseconds window) {
    auto frame = next(window);
    if (frame)
        return ::testing::AssertionFailure() << "unexpected frame: " << shorten(frame->dump());
    return ::testing::AssertionSuccess();
}

std::optional<ws_closure> ws_client::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    while (!state_->closure && clock::now() < deadline) {
        run_until([&] { return !state_->inbox.empty() || state_->closure.has_value(); }, deadline);
        state_->inbox.clear();
    }
    return state_->closure;
}

void ws_client::close(int code, std::chrono::milliseconds timeout) {
    if (state_->closure) return;
    auto done = std::make_shared<bool>(false);
    state_->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                           [done](boost::system::error_code) { *done = true; });
    auto deadline = clock::now() + timeout;
    run_until([&] { return *done && !state_->reading; }, deadline);
    if (!state_->closure) {
        ws_closure closed;
        closed.error = "closed by the client";
        state_->closure = closed;
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(state_->ws).socket().close(ignored);
}

void ws_client::drop() {
    auto& socket = beast::get_lowest_layer(state_->ws).socket();
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);  // RST, not FIN
    socket.close(ignored);
    if (!state_->closure) {
        ws_closure closed;
        closed.error = "dropped by the client";
        state_->closure = closed;
    }
}

}  // namespace parlor::itest
