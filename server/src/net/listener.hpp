#pragma once

#include "net/http_session.hpp"

namespace parlor::net {

// Accepts connections and gives each its own strand and http_session.
class listener {
  public:
    listener(asio::io_context& io, tcp::endpoint endpoint, const http_handlers& handlers);

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    // Stop accepting, close idle connections; busy ones finish their request.
    void stop();
    std::size_t open_connections() const { return registry_.size(); }

  private:
    asio::awaitable<void> accept_loop();

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    const http_handlers& handlers_;
    connection_registry registry_;
};

}  // namespace parlor::net
