// Connections are a resource: nobody may take every descriptor. Limits in all and per client
// IP (WebSockets included), a deadline for request heads, and a listener that neither spins
// nor floods the log when it is out of descriptors or at a limit.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

// A plain TCP connection from another loopback address (127.0.0.2, …), to be another
// client IP; only standard types, so that a test reads as what a client does.
class raw_connection {
  public:
    raw_connection(const char* from, unsigned short port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        sockaddr_in remote{};
        remote.sin_family = AF_INET;
        remote.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
            ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
            auto reason = std::string(std::strerror(errno));
            ::close(fd_);
            throw std::runtime_error("connect from " + std::string(from) + ": " + reason);
        }
    }
    ~raw_connection() { ::close(fd_); }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    // Everything until the server closes; nullopt if it has not closed within `within`.
    std::optional<std::string> read_until_closed(std::chrono::milliseconds within) {
        auto deadline = std::chrono::steady_clock::now() + within;
        std::string received;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) return std::nullopt;
            pollfd ready{fd_, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return received;  // EOF or reset
            received.append(chunk, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_ = -1;
};

// GET /api/health from `from`, on a connection of its own.
std::optional<http_reply> health_from(const char* from, unsigned short port) {
    raw_connection connection(from, port);
    connection.write("GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto received = connection.read_until_closed(10s);
    if (!received) return std::nullopt;
    auto replies = parse_replies(*received);
    if (replies.empty()) return std::nullopt;
    return replies.front();
}

// A connection the server turned away: closed at once, with at most a short refusal.
::testing::AssertionResult turned_away(http_connection& connection, int status,
                                       const std::string& code) {
    if (!connection.closed_by_peer(5s))
        return ::testing::AssertionFailure() << "the connection was kept open";
    auto said = connection.unread();
    if (said.empty()) return ::testing::AssertionSuccess();  // closed before it could say
    auto replies = parse_replies(said);
    if (replies.size() != 1) return ::testing::AssertionFailure() << "it said: " << said;
    return is_error(replies.front(), status, code);
}

// Opens a connection and has one request answered on it, so that it is sure to hold its
// place (retrying while connections of the fixture's own health checks are still closing).
std::unique_ptr<http_connection> held_connection(unsigned short port) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        auto connection = std::make_unique<http_connection>(port, 5s);
        try {
            if (connection->request("GET", "/api/health").status == 200) return connection;
        } catch (const std::exception&) {
            // turned away: an earlier connection has not closed yet
        }
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("no connection was admitted");
        std::this_thread::sleep_for(20ms);
    }
}

// Polls until a new connection from 127.0.0.1 is served again.
bool served_again(unsigned short port, std::chrono::milliseconds within = 10s) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (request(port, "GET", "/api/health", {}, {}, 2s).status == 200) return true;
        } catch (const std::exception&) {
            // still refused
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

std::size_t lines_with(const std::string& log, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
        ++count;
    return count;
}

// The test process itself holds hundreds of sockets in some tests.
void raise_our_descriptor_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

class PerIpLimitTest : public realtime_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--max-connections-per-ip", "4"}};
    }
};

TEST_F(PerIpLimitTest, TheConnectionPastTheLimitIsTurnedAwayWhileOthersAreServed) {
    std::vector<std::unique_ptr<http_connection>> held;
    for (int i = 0; i < 4; ++i) held.push_back(held_connection(port()));

    http_connection one_too_many(port());
    EXPECT_TRUE(turned_away(one_too_many, 429, "rate_limited"));

    // Another address is served all along.
    auto other = health_from("127.0.0.2", port());
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->status, 200);
    // The held connections still work, and one closed makes room.
    EXPECT_EQ(held.front()->request("GET", "/api/health").status, 200);
    held.pop_back();
    EXPECT_TRUE(served_again(port()));
    EXPECT_NE(server().log().find(R"("event":"connections_refused")"), std::string::npos);
}

TEST_F(PerIpLimitTest, WebSocketsCountUntilTheyClose) {
    std::vector<std::unique_ptr<ws_client>> sockets;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sockets.size() < 4) {
        try {
            sockets.push_back(connect());
        } catch (const std::exception&) {
            // turned away while the fixture's health checks close
            ASSERT_LT(std::chrono::steady_clock::now(), deadline);
            std::this_thread::sleep_for(20ms);
        }
    }

    http_connection one_too_many(port());
    EXPECT_TRUE(turned_away(one_too_many, 429, "rate_limited"));

    sockets.pop_back();  // one socket closes: its place comes free
    EXPECT_TRUE(served_again(port()));
}

class GlobalLimitTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--max-connections", "3"}, {"--max-connections-per-ip", "0"}};
    }
};

TEST_F(GlobalLimitTest, ConnectionsPastTheTotalAreTurnedAwayFromAnyAddress) {
    std::vector<std::unique_ptr<http_connection>> held;
    for (int i = 0; i < 3; ++i) held.push_back(held_connection(port()));

    http_connection one_too_many(port());
    EXPECT_TRUE(turned_away(one_too_many, 503, "unavailable"));
    raw_connection elsewhere("127.0.0.2", port());
    auto said = elsewhere.read_until_closed(5s);
    ASSERT_TRUE(said.has_value()) << "the connection was kept open";
    EXPECT_TRUE(said->empty() || said->starts_with("HTTP/1.1 503")) << *said;

    held.clear();
    EXPECT_TRUE(served_again(port()));
}

class HeaderDeadlineTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--header-timeout", "1"}};
    }
};

TEST_F(HeaderDeadlineTest, HalfAHeaderIsClosedAfterTheDeadline) {
    http_connection half(port());
    half.write_raw("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Unfinish");
    EXPECT_TRUE(half.closed_by_peer(5s));

    http_connection silent(port());  // a new connection that never says anything
    EXPECT_TRUE(silent.closed_by_peer(5s));
    EXPECT_TRUE(still_serving());
}

TEST_F(HeaderDeadlineTest, AKeptAliveConnectionMayIdleLongerThanTheDeadline) {
    http_connection connection(port());
    ASSERT_EQ(connection.request("GET", "/api/health").status, 200);
    std::this_thread::sleep_for(2s);  // idling twice the header deadline is the point
    auto again = connection.request("GET", "/api/health");  // throws if it was closed
    EXPECT_EQ(again.status, 200);
}

TEST_F(HeaderDeadlineTest, AHeadSentSlowlyButInTimeIsAnswered) {
    http_connection connection(port());
    for (const char* piece : {"GET /api/health HT", "TP/1.1\r\nHo", "st: x\r\n", "\r\n"}) {
        connection.write_raw(piece);
        std::this_thread::sleep_for(100ms);  // the pacing is what this test is about
    }
    EXPECT_EQ(connection.read_reply().status, 200);
}

class DescriptorLimitTest : public parlor_test {
  protected:
    void SetUp() override {
        raise_our_descriptor_limit();
        server_ = std::make_unique<parlor_process>(server_flags());
        server_->set_descriptor_limit(256);
        server_->start();
    }
    std::map<std::string, std::string> server_flags() const override {
        return {{"--header-timeout", "2"}, {"--max-connections-per-ip", "0"}};
    }
};

TEST_F(DescriptorLimitTest, TheDefaultLimitFitsTheDescriptorsAndServiceResumes) {
    auto limits = server().wait_for_log(R"("event":"connection_limits")");
    ASSERT_TRUE(limits.has_value());
    auto event = nlohmann::json::parse(*limits);
    EXPECT_EQ(event["descriptor_limit"], 256);
    EXPECT_LT(event["max_connections"].get<int>(), 128);

    std::vector<std::unique_ptr<http_connection>> idle;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<http_connection>(port()));

    // Those past the limit were turned away, the others time out: service comes back
    // without anyone closing anything, and the server never ran out of descriptors.
    EXPECT_TRUE(served_again(port(), 15s));
    EXPECT_EQ(lines_with(server().log(), "accept_failed"), 0u) << server().log().substr(0, 4000);
    EXPECT_EQ(lines_with(server().log(), "Too many open files"), 0u);
}

class OutOfDescriptorsTest : public DescriptorLimitTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        // A limit the descriptors cannot honour: the server runs out of them.
        return {{"--header-timeout", "2"},
                {"--max-connections", "1000"},
                {"--max-connections-per-ip", "0"}};
    }
};

TEST_F(OutOfDescriptorsTest, TheListenerShedsConnectionsWithoutSpinningOrFloodingTheLog) {
    std::vector<std::unique_ptr<http_connection>> idle;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<http_connection>(port()));
    ASSERT_TRUE(server().wait_for_log(R"("event":"accept_failed")", 5s).has_value());

    // A connection queued behind all of them is dealt with at once (closed: there is no
    // descriptor to serve it with), not left waiting for a descriptor to come free.
    http_connection probe(port());
    probe.write_request("GET", "/api/health");
    EXPECT_TRUE(probe.closed_by_peer(1500ms));

    // The idle ones time out and service resumes.
    EXPECT_TRUE(served_again(port(), 15s));
    EXPECT_LE(lines_with(server().log(), "accept_failed"), 2u);
    EXPECT_TRUE(still_serving());
}

}  // namespace
}  // namespace parlor::itest
