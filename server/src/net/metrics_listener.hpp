#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "common/asio.hpp"

namespace parlor::net {

// The metrics listener (--metrics-address): `GET /metrics` in Prometheus' text format, on
// an address of its own, so that the public port never serves it. Anything else is 404.
// Kept small on purpose: a scraper or two, a few connections at most (past 16 at once a
// newcomer is closed), 10 s for a request to arrive.
class metrics_listener {
  public:
    // `scrape` produces the exposition (it may read the database).
    using scraper = std::function<asio::awaitable<std::string>()>;

    metrics_listener(asio::io_context& io, const tcp::endpoint& endpoint, scraper scrape);

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    void stop();

  private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    scraper scrape_;
    std::atomic<int> connections_ = 0;
};

}  // namespace parlor::net
