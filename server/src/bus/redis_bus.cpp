#include "bus/redis_bus.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <charconv>
#include <stdexcept>

namespace parlor::bus {
namespace {

constexpr auto first_retry = std::chrono::milliseconds(1000);
constexpr auto last_retry = std::chrono::milliseconds(5000);

std::string channel_of(const std::string& room_id) {
    return "parlor:room:" + room_id;
}

}  // namespace

redis_location redis_location::parse(const std::string& url) {
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme))
        throw std::invalid_argument("the Redis URL must look like redis://host:port[/db]");
    redis_location where;
    std::string rest = url.substr(scheme.size());
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        auto credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = credentials.find(':');
        where.password = colon == std::string::npos ? credentials : credentials.substr(colon + 1);
    }
    if (auto slash = rest.find('/'); slash != std::string::npos) {
        auto db = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (!db.empty()) {
            auto [end, failure] = std::from_chars(db.data(), db.data() + db.size(), where.db);
            if (failure != std::errc() || end != db.data() + db.size() || where.db < 0)
                throw std::invalid_argument("the Redis URL's database must be a number");
        }
    }
    // host, host:port, [v6] or [v6]:port
    auto colon = rest.rfind(':');
    bool bracketed = rest.starts_with('[');
    if (colon != std::string::npos && (!bracketed || rest.find(']') < colon)) {
        auto port = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
        auto [end, failure] = std::from_chars(port.data(), port.data() + port.size(), where.port);
        if (failure != std::errc() || end != port.data() + port.size())
            throw std::invalid_argument("the Redis URL's port must be a number");
    }
    if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']')
        rest = rest.substr(1, rest.size() - 2);
    if (rest.empty()) throw std::invalid_argument("the Redis URL has no host");
    if (where.port <= 0 || where.port > 65535)
        throw std::invalid_argument("the Redis URL's port is out of range");
    where.host = rest;
    return where;
}

// One hiredis async context, its socket watched by Asio on the bus's strand: hiredis asks
// for reads and writes through its event hooks, and Asio tells it when the socket is ready.
class redis_bus::connection : public std::enable_shared_from_this<connection> {
  public:
    using reply_handler = std::function<void(redisReply*)>;

    connection(asio::strand<asio::io_context::executor_type> strand, std::function<void(bool)> up,
               reply_handler replies)
        : strand_(strand), socket_(strand), up_(std::move(up)), replies_(std::move(replies)) {}

    // Starts connecting; false when hiredis failed at once (then nothing more happens).
    bool open(const redis_location& where) {
        ac_ = redisAsyncConnect(where.host.c_str(), where.port);
        if (!ac_ || ac_->err) {
            if (ac_) {
                spdlog::warn("redis: cannot connect to {}:{}: {}", where.host, where.port,
                             ac_->errstr);
                redisAsyncFree(ac_);
            }
            ac_ = nullptr;
            return false;
        }
        self_ = shared_from_this();  // until hiredis is done with the context (cleanup)
        ac_->data = this;
        ac_->ev.data = this;
        ac_->ev.addRead = [](void* p) { static_cast<connection*>(p)->want_read(true); };
        ac_->ev.delRead = [](void* p) { static_cast<connection*>(p)->want_read(false); };
        ac_->ev.addWrite = [](void* p) { static_cast<connection*>(p)->want_write(true); };
        ac_->ev.delWrite = [](void* p) { static_cast<connection*>(p)->want_write(false); };
        ac_->ev.cleanup = [](void* p) { static_cast<connection*>(p)->cleanup(); };
        socket_.assign(ac_->c.fd);
        redisAsyncSetConnectCallback(ac_, [](const redisAsyncContext* ac, int status) {
            auto* self = static_cast<connection*>(ac->data);
            if (status != REDIS_OK) spdlog::warn("redis: connection failed: {}", ac->errstr);
            self->connected_ = status == REDIS_OK;
            // Up once AUTH and SELECT were accepted (a wrong password must not look healthy).
            if (status != REDIS_OK || self->setup_pending_ == 0) self->up_(status == REDIS_OK);
        });
        redisAsyncSetDisconnectCallback(ac_, [](const redisAsyncContext* ac, int status) {
            auto* self = static_cast<connection*>(ac->data);
            if (status != REDIS_OK) spdlog::warn("redis: connection lost: {}", ac->errstr);
            bool was_up = self->connected_;
            self->connected_ = false;
            if (was_up) self->up_(false);
        });
        if (!where.password.empty()) setup({"AUTH", where.password});
        if (where.db != 0) setup({"SELECT", std::to_string(where.db)});
        return true;
    }

    bool connected() const { return connected_ && setup_pending_ == 0 && ac_ != nullptr; }

    // Sends a command; its replies (every message, for SUBSCRIBE) go to the reply handler.
    bool command(const std::vector<std::string>& args) {
        if (!ac_) return false;
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        return redisAsyncCommandArgv(
                   ac_,
                   [](redisAsyncContext* ac, void* reply, void*) {
                       auto* self = static_cast<connection*>(ac->data);
                       if (reply) self->replies_(static_cast<redisReply*>(reply));
                   },
                   nullptr, static_cast<int>(argv.size()), argv.data(), lengths.data()) == REDIS_OK;
    }

    void close() {
        if (ac_) redisAsyncDisconnect(ac_);
    }

  private:
    // AUTH or SELECT, sent before anything else: refused, the connection is dropped (and
    // tried again later); the last one accepted makes it up.
    void setup(const std::vector<std::string>& args) {
        ++setup_pending_;
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        redisAsyncCommandArgv(
            ac_,
            [](redisAsyncContext* ac, void* reply, void*) {
                auto* self = static_cast<connection*>(ac->data);
                auto* r = static_cast<redisReply*>(reply);
                if (!r) return;  // the connection went first
                if (r->type == REDIS_REPLY_ERROR) {
                    spdlog::error(nlohmann::json{{"event", "bus_refused"},
                                                 {"error", std::string(r->str, r->len)}}
                                      .dump());
                    self->setup_pending_ = -1;  // never up on this connection
                    redisAsyncDisconnect(ac);
                    return;
                }
                if (self->setup_pending_ > 0 && --self->setup_pending_ == 0 && self->connected_)
                    self->up_(true);
            },
            nullptr, static_cast<int>(argv.size()), argv.data(), lengths.data());
    }

    void want_read(bool on) {
        reading_ = on;
        if (on) arm(true);
    }
    void want_write(bool on) {
        writing_ = on;
        if (on) arm(false);
    }
    void arm(bool read) {
        bool& waiting = read ? read_waiting_ : write_waiting_;
        if (waiting || !ac_) return;
        waiting = true;
        socket_.async_wait(
            read ? asio::posix::stream_descriptor::wait_read
                 : asio::posix::stream_descriptor::wait_write,
            asio::bind_executor(strand_, [self = shared_from_this(), read](beast::error_code ec) {
                (read ? self->read_waiting_ : self->write_waiting_) = false;
                if (ec || !self->ac_) return;
                if (read && self->reading_) {
                    redisAsyncHandleRead(self->ac_);
                } else if (!read && self->writing_) {
                    redisAsyncHandleWrite(self->ac_);
                }
                // hiredis may have freed the context meanwhile (cleanup ran).
                if (self->ac_ && (read ? self->reading_ : self->writing_)) self->arm(read);
            }));
    }
    // hiredis is freeing the context (it closes the descriptor itself).
    void cleanup() {
        ac_ = nullptr;
        reading_ = writing_ = false;
        beast::error_code ignored;
        socket_.cancel(ignored);
        socket_.release();
        auto keep = std::move(self_);  // may be the last reference: let it go after return
        asio::post(strand_, [keep] {});
    }

    asio::strand<asio::io_context::executor_type> strand_;
    asio::posix::stream_descriptor socket_;
    std::function<void(bool)> up_;
    reply_handler replies_;
    redisAsyncContext* ac_ = nullptr;
    std::shared_ptr<connection> self_;
    bool connected_ = false;
    int setup_pending_ = 0;  // AUTH and SELECT not yet answered; -1: one was refused
    bool reading_ = false, writing_ = false, read_waiting_ = false, write_waiting_ = false;
};

redis_bus::redis_bus(asio::io_context& io, redis_location where, std::string instance_id)
    : io_(io),
      strand_(asio::make_strand(io)),
      where_(std::move(where)),
      instance_id_(std::move(instance_id)),
      subscriber_retry_(strand_),
      publisher_retry_(strand_) {}

redis_bus::~redis_bus() = default;

void redis_bus::start() {
    asio::post(strand_, [this] {
        connect_subscriber();
        connect_publisher();
    });
}

void redis_bus::stop() {
    asio::post(strand_, [this] {
        stopped_ = true;
        subscriber_retry_.cancel();
        publisher_retry_.cancel();
        if (subscriber_) subscriber_->close();
        if (publisher_) publisher_->close();
    });
}

std::string_view redis_bus::health() const {
    std::lock_guard lock(health_mutex_);
    return subscriber_up_ && publisher_up_ ? "ok" : "error";
}

void redis_bus::deliver_locally(const room_event& event) {
    for (const auto& h : handlers_) h(event);
}

void redis_bus::publish(const room_event& event) {
    deliver_locally(event);
    nlohmann::json message = {{"i", instance_id_},
                              {"r", event.room_id},
                              {"f", event.frame ? *event.frame : std::string()},
                              {"o", event.only_member},
                              {"x", event.except_member},
                              {"c", event.closes_member},
                              {"k", event.call_changed},
                              {"cr", event.close_reason}};
    asio::post(strand_, [this, room = event.room_id, payload = message.dump()] {
        if (!publisher_ || !publisher_->connected() ||
            !publisher_->command({"PUBLISH", channel_of(room), payload})) {
            unpublished_.insert(room);
        }
    });
}

void redis_bus::received(const std::string& payload) {
    auto message = nlohmann::json::parse(payload, nullptr, false);
    if (!message.is_object() || message.value("i", "") == instance_id_) return;
    auto room = message.value("r", "");
    if (message.value("resync", false)) {
        if (resync_) resync_(room);
        return;
    }
    room_event event{room,
                     std::make_shared<const std::string>(message.value("f", "")),
                     message.value("o", ""),
                     message.value("x", ""),
                     message.value("c", ""),
                     message.value("k", false),
                     message.value("cr", "")};
    deliver_locally(event);
}

void redis_bus::watch_room(const std::string& room_id, std::function<void()> ready) {
    asio::post(strand_, [this, room_id, ready = std::move(ready)]() mutable {
        if (watched_.contains(room_id) && !subscribing_.contains(room_id)) return ready();
        watched_.insert(room_id);
        auto& waiting = subscribing_[room_id];
        waiting.push_back(std::move(ready));
        // Without a connection the room is subscribed on reconnect; the join goes on now
        // (and that room resyncs then), rather than waiting for Redis.
        if (!subscriber_ || !subscriber_->connected() ||
            (waiting.size() == 1 && !subscriber_->command({"SUBSCRIBE", channel_of(room_id)}))) {
            subscribed(room_id);
        }
    });
}

void redis_bus::subscribed(const std::string& room_id) {
    auto waiting = subscribing_.find(room_id);
    if (waiting == subscribing_.end()) return;
    auto ready = std::move(waiting->second);
    subscribing_.erase(waiting);
    for (auto& r : ready) r();
}

void redis_bus::unwatch_room(const std::string& room_id) {
    asio::post(strand_, [this, room_id] {
        if (held_ && held_(room_id)) return;  // a socket came back meanwhile
        if (!watched_.erase(room_id)) return;
        if (subscriber_ && subscriber_->connected())
            subscriber_->command({"UNSUBSCRIBE", channel_of(room_id)});
    });
}

void redis_bus::connect_subscriber() {
    if (stopped_) return;
    subscriber_ = std::make_shared<connection>(
        strand_,
        [this](bool up) {
            {
                std::lock_guard lock(health_mutex_);
                subscriber_up_ = up;
            }
            if (!up) {
                // Joins waiting for a subscription go on; their rooms resync on reconnect.
                std::vector<std::string> waiting;
                for (const auto& [room, _] : subscribing_) waiting.push_back(room);
                for (const auto& room : waiting) subscribed(room);
                return retry_later(true);
            }
            subscriber_backoff_ = first_retry;
            spdlog::info(
                nlohmann::json{{"event", "bus_connected"}, {"connection", "subscriber"}}.dump());
            // Everything watched is subscribed again, and may have missed events meanwhile.
            for (const auto& room : watched_) {
                subscribing_[room];
                subscriber_->command({"SUBSCRIBE", channel_of(room)});
                if (resync_) resync_(room);
            }
        },
        [this](redisReply* reply) {
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
            std::string kind(reply->element[0]->str, reply->element[0]->len);
            if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
                received(std::string(reply->element[2]->str, reply->element[2]->len));
            } else if (kind == "subscribe") {
                std::string channel(reply->element[1]->str, reply->element[1]->len);
                subscribed(channel.substr(std::string_view("parlor:room:").size()));
            }
        });
    if (!subscriber_->open(where_)) retry_later(true);
}

void redis_bus::connect_publisher() {
    if (stopped_) return;
    publisher_ = std::make_shared<connection>(
        strand_,
        [this](bool up) {
            {
                std::lock_guard lock(health_mutex_);
                publisher_up_ = up;
            }
            if (!up) return retry_later(false);
            publisher_backoff_ = first_retry;
            spdlog::info(
                nlohmann::json{{"event", "bus_connected"}, {"connection", "publisher"}}.dump());
            // The other instances missed what we could not publish: their sockets resync.
            for (const auto& room : unpublished_) {
                publisher_->command(
                    {"PUBLISH", channel_of(room),
                     nlohmann::json{{"i", instance_id_}, {"r", room}, {"resync", true}}.dump()});
            }
            unpublished_.clear();
        },
        [](redisReply* reply) {
            if (reply->type == REDIS_REPLY_ERROR)
                spdlog::error("redis: {}", std::string(reply->str, reply->len));
        });
    if (!publisher_->open(where_)) retry_later(false);
}

void redis_bus::retry_later(bool subscriber) {
    if (stopped_) return;
    auto& timer = subscriber ? subscriber_retry_ : publisher_retry_;
    auto& backoff = subscriber ? subscriber_backoff_ : publisher_backoff_;
    timer.expires_after(backoff);
    backoff = std::min(backoff * 2, last_retry);
    timer.async_wait([this, subscriber](beast::error_code ec) {
        if (ec) return;
        subscriber ? connect_subscriber() : connect_publisher();
    });
}

}  // namespace parlor::bus
