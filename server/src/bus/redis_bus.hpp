#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "bus/bus.hpp"
#include "common/asio.hpp"

namespace parlor::bus {

// Where Redis is: redis://[:password@]host[:port][/db] (--redis-url). Throws
// std::invalid_argument with a message for the operator.
struct redis_location {
    std::string host;
    int port = 6379;
    int db = 0;
    std::string password;

    static redis_location parse(const std::string& url);
};

// Room events between instances over Redis pub/sub, with hiredis driven by Asio (one strand,
// no thread of its own). Each room is a channel, "parlor:room:<room id>"; an instance
// subscribes to the rooms it holds sockets in and publishes every event it makes (marked
// with its own id, so that it skips its own when they come back).
//
// Two connections: one subscribed, one to publish. When either drops, health says "error"
// and the bus reconnects (1 s, then up to 5 s apart). Events may have been lost meanwhile,
// both ways: when the subscriber is back, every room watched here resyncs; when the
// publisher is back, every room it could not publish to is told to resync on the other
// instances.
class redis_bus final : public event_bus {
  public:
    redis_bus(asio::io_context& io, redis_location where, std::string instance_id);
    ~redis_bus() override;

    // Connects (and keeps reconnecting) until stop().
    void start();
    void stop();

    void publish(const room_event& event) override;
    void subscribe(handler h) override { handlers_.push_back(std::move(h)); }
    void watch_room(const std::string& room_id, std::function<void()> ready) override;
    void unwatch_room(const std::string& room_id) override;
    void on_resync(std::function<void(const std::string&)> resync,
                   std::function<bool(const std::string&)> held) override {
        resync_ = std::move(resync);
        held_ = std::move(held);
    }
    std::string_view health() const override;

    class connection;  // one hiredis async context on the strand

  private:
    void deliver_locally(const room_event& event);
    void received(const std::string& payload);
    void connect_subscriber();
    void connect_publisher();
    void retry_later(bool subscriber);
    void subscribed(const std::string& room_id);

    asio::io_context& io_;
    asio::strand<asio::io_context::executor_type> strand_;
    redis_location where_;
    std::string instance_id_;
    std::vector<handler> handlers_;
    std::function<void(const std::string&)> resync_;
    std::function<bool(const std::string&)> held_;

    // On the strand:
    std::shared_ptr<connection> subscriber_, publisher_;
    asio::steady_timer subscriber_retry_, publisher_retry_;
    std::chrono::milliseconds subscriber_backoff_{1000}, publisher_backoff_{1000};
    std::map<std::string, std::vector<std::function<void()>>>
        subscribing_;                    // waiting for SUBSCRIBE
    std::set<std::string> watched_;      // subscribed (or to subscribe once connected)
    std::set<std::string> unpublished_;  // rooms whose events could not be published
    bool stopped_ = false;

    mutable std::mutex health_mutex_;
    bool subscriber_up_ = false, publisher_up_ = false;
};

}  // namespace parlor::bus
