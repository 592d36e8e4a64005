#pragma once

// A redis-server of the test's own on a free loopback port, stopped (and its data thrown
// away: no snapshot, no append-only file) when the object goes. stop() and start() again
// keep the port, as a Redis restarted by its operator.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace parlor::testing {

class redis_server {
  public:
    // With a password, clients must AUTH with it.
    explicit redis_server(std::string password = {})
        : port_(free_port()), password_(std::move(password)) {
        start();
    }
    ~redis_server() { stop(); }

    unsigned short port() const { return port_; }
    std::string url() const {
        return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") +
               "127.0.0.1:" + std::to_string(port_);
    }

    void start() {
        std::vector<std::string> command{"/usr/bin/redis-server",
                                         "--port",
                                         std::to_string(port_),
                                         "--bind",
                                         "127.0.0.1",
                                         "--save",
                                         "",
                                         "--appendonly",
                                         "no",
                                         "--dir",
                                         dir_.path().string()};
        if (!password_.empty()) {
            command.push_back("--requirepass");
            command.push_back(password_);
        }
        process_ = std::make_unique<child_process>(
            std::move(command), child_streams{.stdout_to = dir_.path() / "redis.log",
                                              .stderr_to = dir_.path() / "redis.log"});
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!accepts()) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("redis-server did not start on port " +
                                         std::to_string(port_));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    // SIGTERM and wait: its clients see their connections close.
    void stop() { process_.reset(); }

  private:
    static unsigned short free_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        ::close(fd);
        return ntohs(address.sin_port);
    }
    bool accepts() const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port_);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        return ok;
    }

    temp_dir dir_;
    unsigned short port_;
    std::string password_;
    std::unique_ptr<child_process> process_;
};

}  // namespace parlor::testing
