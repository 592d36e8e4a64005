#pragma once

// A WebSocket client for the integration tests: synchronous from the test's point of view,
// driven by its own io_context; every wait has a deadline, so that a silent server fails
// a test instead of hanging it.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <memory>

#include "http_client.hpp"

namespace parlor::itest {

using namespace std::chrono_literals;

// How a socket ended, as the client saw it.
struct ws_closure {
    bool close_frame = false;  // a close frame came (else the TCP connection just ended)
    int code = 0;              // the close frame's code (1000, 1008, ...); 0 without one
    std::string reason;
    std::string error;  // what the read failed with

    std::string describe() const;
};

// The server answered the upgrade request with something other than 101.
class upgrade_refused : public std::runtime_error {
  public:
    explicit upgrade_refused(http_reply reply);
    http_reply reply;
};

// One WebSocket to 127.0.0.1:port. While the test waits for anything (a frame, a write,
// the close), the client keeps reading: frames queue up in arrival order, pings are
// answered, and a close frame from the server is answered and recorded.
class ws_client {
  public:
    // Opens /ws (or `target`) with this Origin header (none when nullopt). Throws
    // upgrade_refused when the server declines the upgrade, std::runtime_error when it
    // cannot connect or does not answer within `timeout`.
    explicit ws_client(unsigned short port, std::optional<std::string> origin = std::nullopt,
                       std::chrono::milliseconds timeout = 10s, std::string target = "/ws");
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // The server's answer to an upgrade request with this Origin: nullopt when it upgraded
    // (the socket is closed again at once), else the refusal.
    static std::optional<http_reply> refusal(unsigned short port,
                                             std::optional<std::string> origin = std::nullopt);

    // send() writes {"type","data","rid"?} (a null `data`, as `{}` gives, is sent as {});
    // each send writes one frame and waits until it is written (up to 10 s, else it
    // throws); false when the socket was already closed or the write failed.
    bool send(const std::string& type, const nlohmann::json& data = nlohmann::json::object(),
              const nlohmann::json& rid = nullptr);
    bool send_json(const nlohmann::json& envelope);
    bool send_text(std::string_view text);
    bool send_binary(std::string_view bytes);

    // The next frame from the server, parsed as JSON (a frame that is not JSON throws);
    // nullopt when none arrived within `timeout` or the socket closed first.
    std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = 5s);
    // The next frame of this type, dropping frames of other types on the way.
    std::optional<nlohmann::json> next_of_type(std::string_view type,
                                               std::chrono::milliseconds timeout = 5s);
    // Success when no frame arrives within `window`; otherwise the frame that came.
    ::testing::AssertionResult expect_silence(std::chrono::milliseconds window = 300ms);
    // Waits until the socket is closed (by the server, or by drop()/close()), dropping
    // frames that arrive meanwhile; nullopt if it is still open after `timeout`.
    std::optional<ws_closure> wait_closed(std::chrono::milliseconds timeout = 5s);

    bool is_open() const;
    // `text` cut to its first 300 characters, for failure messages.
    static std::string shorten(const std::string& text);
    // Frames received and not yet taken by next().
    std::size_t pending() const;

    // Client-initiated close handshake; waits (up to `timeout`) for the server's answer.
    void close(int code = 1000, std::chrono::milliseconds timeout = 5s);
    // Ends the TCP connection at once, with no close frame (an RST, as when a laptop
    // lid closes and the network path goes away).
    void drop();

  private:
    template <class Done>
    void run_until(Done done, std::chrono::steady_clock::time_point deadline);
    void start_reading();
    bool write(bool text, std::string_view payload);
    void connect(unsigned short port, const std::optional<std::string>& origin,
                 std::chrono::milliseconds timeout, const std::string& target);

    // The Asio and Beast state, kept out of this header so that the tests including it
    // compile without Beast.
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace parlor::itest
