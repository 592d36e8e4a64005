// realtime::ws_session (one server WebSocket) and realtime::hub (who holds which socket), seen
// from a browser's end of real loopback sockets: what arrives, in which order, and how a
// socket ends. The realtime service behind them is the real one, over SQLite.

#include "realtime/ws_session.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "realtime/hub.hpp"
#include "support/loopback.hpp"

namespace parlor::realtime {
namespace {

using testing::connected_pair;
using testing::run_until;
using namespace std::chrono_literals;

// How a socket ended, as the browser saw it.
struct closure {
    bool close_frame = false;  // else the TCP connection just ended
    int code = 0;
    std::string reason;
};

// The browser's end of one WebSocket, on the test's io_context, speaking RFC 6455 itself
// (a Beast client stream here would double this file's compile time). It keeps reading:
// text frames queue up in arrival order, pings are answered, and the server's close frame
// is recorded, answered, and followed by the end of the browser's sending side.
class browser {
  public:
    explicit browser(tcp::socket socket) : socket_(std::move(socket)) {}

    // `upgraded` is set when the server's answer to the upgrade request has arrived: true
    // for 101 Switching Protocols.
    void handshake(std::optional<bool>& upgraded) {
        send_bytes(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n");
        asio::async_read_until(socket_, asio::dynamic_buffer(input_), "\r\n\r\n",
                               [this, &upgraded](beast::error_code ec, std::size_t head) {
                                   upgraded = !ec && input_.starts_with("HTTP/1.1 101 ");
                                   input_.erase(0, ec ? 0 : head);
                               });
    }
    void start_reading() {
        socket_.async_read_some(asio::buffer(chunk_), [this](beast::error_code ec, std::size_t n) {
            input_.append(chunk_.data(), n);
            take_frames();
            if (!ec) return start_reading();
            if (!closed) closed = closure{};  // the connection ended without a close frame
        });
    }
    // Writes one masked frame, after those written before it.
    void write(std::string_view payload, bool text) {
        send_bytes(frame(text ? 0x1 : 0x2, payload));
    }

    std::deque<std::string> inbox;
    std::optional<closure> closed;

  private:
    static std::string frame(unsigned opcode, std::string_view payload) {
        std::string out(1, static_cast<char>(0x80 | opcode));
        auto length = payload.size();
        if (length < 126) {
            out += static_cast<char>(0x80 | length);
        } else if (length <= 0xFFFF) {
            out += static_cast<char>(0x80 | 126);
            out += static_cast<char>(length >> 8);
            out += static_cast<char>(length & 0xFF);
        } else {
            out += static_cast<char>(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out += static_cast<char>((std::uint64_t(length) >> shift) & 0xFF);
            }
        }
        const char mask[4] = {0x37, 0x5a, 0x11, 0x7e};
        out.append(mask, 4);
        for (std::size_t i = 0; i < payload.size(); ++i) out += payload[i] ^ mask[i % 4];
        return out;
    }
    // The server's frames are unmasked and never fragmented.
    void take_frames() {
        while (input_.size() >= 2 && !close_answered_) {
            auto byte = [&](std::size_t i) { return static_cast<unsigned char>(input_[i]); };
            std::size_t header = 2, length = byte(1) & 0x7F;
            if (length == 126) {
                if (input_.size() < 4) return;
                header = 4;
                length = (byte(2) << 8) | byte(3);
            } else if (length == 127) {
                if (input_.size() < 10) return;
                header = 10;
                length = 0;
                for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
            }
            if (input_.size() < header + length) return;
            auto opcode = byte(0) & 0x0F;
            auto payload = input_.substr(header, length);
            input_.erase(0, header + length);
            switch (opcode) {
                case 0x1:
                    inbox.push_back(std::move(payload));
                    break;
                case 0x9:
                    send_bytes(frame(0xA, payload));
                    break;  // ping: pong
                case 0x8: {
                    closure ended{true, 0, {}};
                    if (payload.size() >= 2) {
                        ended.code = (static_cast<unsigned char>(payload[0]) << 8) |
                                     static_cast<unsigned char>(payload[1]);
                        ended.reason = payload.substr(2);
                    }
                    closed = ended;
                    close_answered_ = true;
                    send_bytes(frame(0x8, payload.substr(0, 2)));
                    shutdown_after_writes_ = true;
                    break;
                }
                default:
                    break;
            }
        }
    }
    void send_bytes(std::string bytes) {
        outgoing_.push_back(std::move(bytes));
        if (outgoing_.size() == 1) write_next();
    }
    void write_next() {
        asio::async_write(socket_, asio::buffer(outgoing_.front()),
                          [this](beast::error_code ec, std::size_t) {
                              outgoing_.pop_front();
                              if (!ec && !outgoing_.empty()) return write_next();
                              beast::error_code ignored;
                              if (outgoing_.empty() && shutdown_after_writes_) {
                                  socket_.shutdown(tcp::socket::shutdown_send, ignored);
                              }
                          });
    }

    tcp::socket socket_;
    std::array<char, 64 * 1024> chunk_{};
    std::string input_;
    std::deque<std::string> outgoing_;
    bool close_answered_ = false;
    bool shutdown_after_writes_ = false;
};

std::shared_ptr<const std::string> frame_of(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

class WsSessionTest : public ::testing::Test {
  protected:
    struct socket_pair {
        std::shared_ptr<ws_session> session;
        std::unique_ptr<browser> client;
    };

    // One upgraded socket: the server's session (running) and the browser's end (reading).
    socket_pair open_socket() {
        auto [server, client_socket] = connected_pair(parts.io);
        socket_pair opened{nullptr, std::make_unique<browser>(std::move(client_socket))};
        auto session = std::make_shared<std::shared_ptr<ws_session>>();
        auto executor = server.get_executor();
        asio::co_spawn(
            executor,
            [this, session, server = std::move(server)]() mutable -> asio::awaitable<void> {
                beast::tcp_stream stream(std::move(server));
                beast::flat_buffer buffer;
                upgrade_request upgrade;
                co_await http::async_read(stream, buffer, upgrade, asio::use_awaitable);
                *session = std::make_shared<ws_session>(std::move(stream), parts.service, limits);
                co_await (*session)->run(std::move(upgrade));
            },
            asio::detached);
        std::optional<bool> upgraded;
        opened.client->handshake(upgraded);
        EXPECT_TRUE(run_until(parts.io, [&] { return upgraded.has_value(); }));
        EXPECT_TRUE(upgraded.value_or(false));
        opened.session = *session;
        opened.client->start_reading();
        return opened;
    }

    // The next frame the browser received, or nullopt when none came before the deadline
    // (or the socket ended first).
    std::optional<std::string> next(browser& client) {
        run_until(parts.io, [&] { return !client.inbox.empty() || client.closed; });
        if (client.inbox.empty()) return std::nullopt;
        auto frame = std::move(client.inbox.front());
        client.inbox.pop_front();
        return frame;
    }
    std::optional<closure> wait_closed(browser& client) {
        run_until(parts.io, [&] { return client.closed.has_value(); });
        return client.closed;
    }
    void on_strand(ws_session& session, std::function<void()> work) {
        asio::post(session.executor(), std::move(work));
    }

    socket_limits limits;
    testing::realtime_parts parts{limits};
};

// ---- frames in ----

TEST_F(WsSessionTest, AFrameOverTheLimitIsAnsweredWith1009AndTheCloseFrameArrives) {
    limits.max_frame_bytes = 1024;
    auto [session, client] = open_socket();
    ASSERT_TRUE(session);
    // Far bigger than the limit: the browser is still sending when the server refuses it.
    client->write(std::string(512 * 1024, 'x'), true);

    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_TRUE(ended->close_frame) << "the connection ended without the close frame";
    EXPECT_EQ(ended->code, 1009);
    EXPECT_TRUE(run_until(parts.io, [&] { return parts.service.open_sockets() == 0; }));
}

TEST_F(WsSessionTest, ABinaryFrameClosesTheSocketWith1007) {
    auto [session, client] = open_socket();
    client->write("{\"type\":\"room:join\"}", false);
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_TRUE(ended->close_frame);
    EXPECT_EQ(ended->code, 1007);  // docs/protocol.md's choice (RFC 6455 suggests 1003)
    EXPECT_EQ(ended->reason, "text frames only");
}

TEST_F(WsSessionTest, FramesReachTheServiceAndItsErrorsEchoTheRid) {
    auto [session, client] = open_socket();
    client->write(R"({"type":"call:start","data":{},"rid":"r1"})", true);
    auto reply = next(*client);
    ASSERT_TRUE(reply.has_value());
    auto json = nlohmann::json::parse(*reply);
    EXPECT_EQ(json["type"], "error");
    EXPECT_EQ(json["data"]["code"], "unauthorized");
    EXPECT_EQ(json["data"]["rid"], "r1");

    // The socket keeps reading: the next frame gets its own answer.
    client->write("not json", true);
    reply = next(*client);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(nlohmann::json::parse(*reply)["data"]["code"], "bad_request");
}

TEST_F(WsSessionTest, ASocketThatDoesNotJoinInTimeIsClosedWith1008) {
    limits.join_deadline = 1s;
    auto [session, client] = open_socket();
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_TRUE(ended->close_frame);
    EXPECT_EQ(ended->code, 1008);
    EXPECT_EQ(ended->reason, "room:join expected first");
}

// ---- frames out ----

TEST_F(WsSessionTest, CloseSendsItsCodeAndReason) {
    auto [session, client] = open_socket();
    session->close(websocket::close_code::policy_error, "token expired");
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_TRUE(ended->close_frame);
    EXPECT_EQ(ended->code, 1008);
    EXPECT_EQ(ended->reason, "token expired");
    EXPECT_TRUE(run_until(parts.io, [&] { return parts.service.open_sockets() == 0; }));
}

TEST_F(WsSessionTest, EventsHeldDuringAJoinFollowTheStateInOrder) {
    auto [session, client] = open_socket();
    on_strand(*session, [s = session] { s->hold_events(); });
    session->send(frame_of("event 1"));
    session->send(frame_of("event 2"));
    session->send_state(frame_of("state"));
    session->send(frame_of("event 3"));

    EXPECT_EQ(next(*client), "state");
    EXPECT_EQ(next(*client), "event 1");
    EXPECT_EQ(next(*client), "event 2");
    EXPECT_EQ(next(*client), "event 3");
}

TEST_F(WsSessionTest, HeldEventsGoOutWhenAJoinFailsWithoutAState) {
    auto [session, client] = open_socket();
    on_strand(*session, [s = session] { s->hold_events(); });
    session->send(frame_of("event 1"));
    session->send(frame_of("event 2"));
    session->release_events();
    EXPECT_EQ(next(*client), "event 1");
    EXPECT_EQ(next(*client), "event 2");
}

TEST_F(WsSessionTest, AReaderThatWouldPassTheFrameCapIsDropped) {
    limits.max_queued_frames = 3;
    auto [session, client] = open_socket();
    // As many as the cap, at once: they all go.
    for (int i = 1; i <= 3; ++i) session->send(frame_of("fits " + std::to_string(i)));
    for (int i = 1; i <= 3; ++i) EXPECT_EQ(next(*client), "fits " + std::to_string(i));

    // One more than the cap before any of them could leave: the socket is dropped, with
    // no close handshake and none of those frames.
    for (int i = 1; i <= 4; ++i) session->send(frame_of("too many " + std::to_string(i)));
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_FALSE(ended->close_frame);
    EXPECT_TRUE(client->inbox.empty()) << client->inbox.front();
    EXPECT_TRUE(run_until(parts.io, [&] { return parts.service.open_sockets() == 0; }));
}

TEST_F(WsSessionTest, AFrameThatWouldPassTheByteCapDropsTheSocket) {
    limits.max_queued_bytes = 100;
    auto [session, client] = open_socket();
    session->send(frame_of(std::string(90, 'a')));  // 92 bytes with its header
    EXPECT_EQ(next(*client), std::string(90, 'a'));
    session->send(frame_of(std::string(120, 'b')));
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_FALSE(ended->close_frame);
    EXPECT_TRUE(client->inbox.empty());
}

TEST_F(WsSessionTest, TheStateAnsweringAJoinGoesOutWhateverItsSize) {
    limits.max_queued_bytes = 100;
    auto [session, client] = open_socket();
    std::string state(5000, 's');
    on_strand(*session, [s = session] { s->hold_events(); });
    session->send_state(frame_of(state));
    // Frames right behind it are weighed without it.
    session->send(frame_of(std::string(90, 'e')));
    EXPECT_EQ(next(*client), state);
    EXPECT_EQ(next(*client), std::string(90, 'e'));
    EXPECT_TRUE(client->closed == std::nullopt);
}

TEST_F(WsSessionTest, ASecondStateQueuedBehindTheFirstCounts) {
    // A client repeating room:join without reading is still dropped.
    limits.max_queued_bytes = 100;
    auto [session, client] = open_socket();
    session->send_state(frame_of(std::string(5000, '1')));
    session->send_state(frame_of(std::string(5000, '2')));
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_FALSE(ended->close_frame);
}

TEST_F(WsSessionTest, HeldEventsCountAgainstTheCaps) {
    limits.max_queued_frames = 2;
    auto [session, client] = open_socket();
    on_strand(*session, [s = session] { s->hold_events(); });
    for (int i = 1; i <= 3; ++i) session->send(frame_of("held " + std::to_string(i)));
    auto ended = wait_closed(*client);
    ASSERT_TRUE(ended.has_value());
    EXPECT_FALSE(ended->close_frame);
    EXPECT_TRUE(client->inbox.empty());
}

// ---- hub ----

class HubTest : public WsSessionTest {
  protected:
    // An event for a room's sockets: all of them, one member's, all but one member's; or
    // the news that `closes` left.
    static bus::room_event event(std::string room_id, std::string text, std::string only = {},
                                 std::string except = {}, std::string closes = {}) {
        return {std::move(room_id), frame_of(std::move(text)), std::move(only),
                std::move(except),  std::move(closes),         false};
    }
    hub rooms;
};

TEST_F(HubTest, DeliversARoomsEventsOnlyToThatRoomsSockets) {
    auto ada = open_socket(), bob = open_socket(), other = open_socket();
    rooms.attach("room-1", "ada", ada.session);
    rooms.attach("room-1", "bob", bob.session);
    rooms.attach("room-2", "cy", other.session);

    rooms.deliver(event("room-1", "for room 1"));
    rooms.deliver(event("room-2", "for room 2"));
    EXPECT_EQ(next(*ada.client), "for room 1");
    EXPECT_EQ(next(*bob.client), "for room 1");
    EXPECT_EQ(next(*other.client), "for room 2");  // and nothing of room 1 before it
    rooms.deliver(event("room-3", "for nobody"));
    rooms.deliver(event("room-1", "again"));
    EXPECT_EQ(next(*ada.client), "again");
}

TEST_F(HubTest, ASignalReachesOnlyTheNamedMembersSocketsInThatRoom) {
    auto ada = open_socket(), bob_laptop = open_socket(), bob_phone = open_socket();
    rooms.attach("room-1", "ada", ada.session);
    rooms.attach("room-1", "bob", bob_laptop.session);
    rooms.attach("room-1", "bob", bob_phone.session);

    rooms.deliver(event("room-1", "to bob", "bob"));
    // The same member id named in another room's event reaches nobody here.
    rooms.deliver(event("room-2", "wrong room", "bob"));
    rooms.deliver(event("room-1", "to ada", "ada"));
    EXPECT_EQ(next(*bob_laptop.client), "to bob");
    EXPECT_EQ(next(*bob_phone.client), "to bob");
    EXPECT_EQ(next(*ada.client), "to ada");
    rooms.deliver(event("room-1", "to all"));
    EXPECT_EQ(next(*bob_laptop.client), "to all");
    EXPECT_EQ(next(*bob_phone.client), "to all");
}

TEST_F(HubTest, EveryoneButTheExceptedMemberHearsIt) {
    auto ada = open_socket(), bob = open_socket();
    rooms.attach("room-1", "ada", ada.session);
    rooms.attach("room-1", "bob", bob.session);
    rooms.deliver(event("room-1", "bob joined", {}, "bob"));
    rooms.deliver(event("room-1", "to all"));
    EXPECT_EQ(next(*ada.client), "bob joined");
    EXPECT_EQ(next(*bob.client), "to all");
}

TEST_F(HubTest, AMemberWhoLeftIsDetachedAndTheirSocketsClosed) {
    auto ada = open_socket(), bob_laptop = open_socket(), bob_phone = open_socket();
    rooms.attach("room-1", "ada", ada.session);
    rooms.attach("room-1", "bob", bob_laptop.session);
    rooms.attach("room-1", "bob", bob_phone.session);

    rooms.deliver(event("room-1", "bob left", {}, "bob", "bob"));
    // At once: their sockets' closes find them gone (so no "offline" follows).
    EXPECT_FALSE(rooms.detach("room-1", "bob", bob_laptop.session.get()));
    EXPECT_EQ(next(*ada.client), "bob left");
    for (auto* gone : {bob_laptop.client.get(), bob_phone.client.get()}) {
        auto ended = wait_closed(*gone);
        ASSERT_TRUE(ended.has_value());
        EXPECT_TRUE(ended->close_frame);
        EXPECT_EQ(ended->code, 1000);
        EXPECT_EQ(ended->reason, "left the room");
        EXPECT_TRUE(gone->inbox.empty()) << gone->inbox.front();
    }
    EXPECT_TRUE(rooms.detach("room-1", "ada", ada.session.get()));
}

TEST_F(HubTest, TheRoomIsHeldFromTheFirstSocketUntilTheLast) {
    auto laptop = open_socket(), phone = open_socket();
    EXPECT_FALSE(rooms.holds_room("room-1"));
    rooms.attach("room-1", "ada", laptop.session);
    rooms.attach("room-1", "ada", phone.session);
    EXPECT_TRUE(rooms.holds_room("room-1"));
    EXPECT_FALSE(rooms.holds_room("room-2"));

    EXPECT_TRUE(rooms.detach("room-1", "ada", laptop.session.get()));
    EXPECT_TRUE(rooms.holds_room("room-1"));
    // A socket detached twice is no longer there the second time.
    EXPECT_FALSE(rooms.detach("room-1", "ada", laptop.session.get()));
    EXPECT_TRUE(rooms.detach("room-1", "ada", phone.session.get()));
    EXPECT_FALSE(rooms.holds_room("room-1"));
}

TEST_F(HubTest, ReconnectingBuysNoFreshRelayBudget) {
    hub bounded(relay_allowance{1000, 1000});  // refills in a second
    auto first = open_socket(), second = open_socket();
    auto attached = bounded.attach("room-1", "ada", first.session);
    ASSERT_TRUE(attached);
    auto now = std::chrono::steady_clock::now();
    EXPECT_TRUE(attached->spend(1000, now));
    EXPECT_TRUE(bounded.detach("room-1", "ada", first.session.get()));

    auto again = bounded.attach("room-1", "ada", second.session);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->spend(500, now)) << "the spent budget came back full";
    // Without a bound there is no budget to spend.
    EXPECT_FALSE(rooms.attach("room-1", "bob", first.session));
}

}  // namespace
}  // namespace parlor::realtime
