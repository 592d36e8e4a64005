#pragma once

#include <chrono>
#include <optional>

#include "net/connection_limits.hpp"
#include "net/http_session.hpp"

namespace parlor::net {

// Accepts connections and gives each its own strand and http_session, within the
// connection limits. Past a limit, or out of descriptors, it keeps accepting and closes
// the newcomers at once, so that the listener never spins and the log never floods.
class listener {
  public:
    listener(asio::io_context& io, tcp::endpoint endpoint, const http_handlers& handlers,
             connection_limiter& limits);
    ~listener();

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    // Stop accepting, close idle connections; busy ones finish their request.
    void stop();
    std::size_t open_connections() const { return registry_.size(); }

  private:
    // At most one warning per kind of trouble every 10 s, with how often it happened.
    struct throttled_warning {
        std::chrono::steady_clock::time_point next{};
        std::size_t since_last = 0;
        // True when a line is due; `count` is then the occurrences it reports.
        bool due(std::size_t& count);
    };

    asio::awaitable<void> accept_loop();
    void admit(tcp::socket socket);
    void refuse(tcp::socket& socket, connection_refusal why, const ip_address& peer);
    // Out of descriptors: frees the spare one, accepts the waiting connection and closes it,
    // then takes the spare back. False when that was not possible.
    bool shed_waiting_connection();

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    const http_handlers& handlers_;
    connection_limiter& limits_;
    connection_registry registry_;
    int spare_descriptor_ = -1;
    throttled_warning accept_failures_, refused_server_full_, refused_client_full_;
};

}  // namespace parlor::net
