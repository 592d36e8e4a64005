// realtime::gathering_stream, the outgoing queue under every server WebSocket: its frames as
// a peer reads them off a real loopback socket, the counts the socket's caps weigh, and
// its teardown.

#include "realtime/gathering_stream.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "support/loopback.hpp"

namespace parlor::realtime {
namespace {

using testing::connected_pair;
using testing::run_until;
using namespace std::chrono_literals;

// A server text frame as RFC 6455 spells it: FIN and opcode 1, no mask, the shortest length.
std::string text_frame(std::string_view payload) {
    std::string frame = "\x81";
    auto length = payload.size();
    if (length < 126) {
        frame += static_cast<char>(length);
    } else if (length <= 0xFFFF) {
        frame += static_cast<char>(126);
        frame += static_cast<char>(length >> 8);
        frame += static_cast<char>(length & 0xFF);
    } else {
        frame += static_cast<char>(127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame += static_cast<char>((std::uint64_t(length) >> shift) & 0xFF);
        }
    }
    return frame + std::string(payload);
}

class GatheringStreamTest : public ::testing::Test {
  protected:
    GatheringStreamTest() {
        auto [server, client] = connected_pair(io);
        out.emplace(beast::tcp_stream(std::move(server)));
        peer.emplace(std::move(client));
    }

    // The peer reads everything that comes, until the connection ends.
    void start_reading() {
        peer->async_read_some(asio::buffer(chunk), [this](beast::error_code ec, std::size_t n) {
            received.append(chunk.data(), n);
            if (ec) {
                peer_ended = ec;
                return;
            }
            start_reading();
        });
    }
    bool receive(std::size_t bytes) {
        return run_until(io, [&] { return received.size() >= bytes || peer_ended; });
    }

    asio::io_context io;
    std::optional<gathering_stream> out;
    std::optional<tcp::socket> peer;
    std::array<char, 64 * 1024> chunk{};
    std::string received;
    std::optional<beast::error_code> peer_ended;
};

TEST_F(GatheringStreamTest, EachMessageIsOneUnmaskedTextFrameWithTheShortestLength) {
    // 7-bit, 16-bit and 64-bit lengths, at their edges.
    std::vector<std::string> payloads = {"",
                                         "hello",
                                         std::string(125, 'a'),
                                         std::string(126, 'b'),
                                         std::string(65535, 'c'),
                                         std::string(65536, 'd')};
    std::string expected;
    for (const auto& payload : payloads) {
        out->write_text(payload);
        expected += text_frame(payload);
    }
    // The headers, spelled out once.
    EXPECT_EQ(expected.substr(0, 2), std::string("\x81\x00", 2));
    EXPECT_EQ(text_frame(std::string(126, 'b')).substr(0, 4), std::string("\x81\x7e\x00\x7e", 4));
    EXPECT_EQ(text_frame(std::string(65536, 'd')).substr(0, 10),
              std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));

    start_reading();
    ASSERT_TRUE(receive(expected.size()));
    EXPECT_TRUE(received == expected)
        << "got " << received.size() << " bytes, expected " << expected.size();
}

TEST_F(GatheringStreamTest, FramesQueuedWhileAWriteIsUnderWayLeaveTogetherInTheNext) {
    start_reading();
    out->write_text("one");
    out->write_text("two");
    EXPECT_EQ(out->pending_frames(), 2u);
    EXPECT_EQ(out->pending_bytes(), text_frame("one").size() + text_frame("two").size());

    // The flush hands both to the socket in one write, which is then under way.
    io.run_one();
    EXPECT_EQ(out->pending_frames(), 0u);
    EXPECT_EQ(out->pending_bytes(), 0u);

    // These wait for that write to end, then all leave at once: the counts never show
    // part of them gone.
    out->write_text("three");
    out->write_text("four");
    out->write_text("five");
    EXPECT_EQ(out->pending_frames(), 3u);
    std::set<std::size_t> seen;
    ASSERT_TRUE(run_until(io, [&] {
        seen.insert(out->pending_frames());
        return out->pending_frames() == 0;
    }));
    EXPECT_EQ(seen, (std::set<std::size_t>{0, 3}));

    auto expected = text_frame("one") + text_frame("two") + text_frame("three") +
                    text_frame("four") + text_frame("five");
    ASSERT_TRUE(receive(expected.size()));
    EXPECT_EQ(received, expected);
}

TEST_F(GatheringStreamTest, AnExemptFrameIsLeftOutOfTheCountsUntilItLeaves) {
    std::string state(10'000, 's');
    out->write_text(state, true);
    EXPECT_EQ(out->pending_bytes(), 0u);
    EXPECT_EQ(out->pending_frames(), 0u);
    EXPECT_TRUE(out->exempt_pending());

    out->write_text("event");
    EXPECT_EQ(out->pending_bytes(), text_frame("event").size());
    EXPECT_EQ(out->pending_frames(), 1u);
    EXPECT_TRUE(out->exempt_pending());

    start_reading();
    auto expected = text_frame(state) + text_frame("event");
    ASSERT_TRUE(receive(expected.size()));
    EXPECT_TRUE(received == expected);
    EXPECT_FALSE(out->exempt_pending());
    EXPECT_EQ(out->pending_bytes(), 0u);
}

TEST_F(GatheringStreamTest, DiscardPendingDropsTheTextFramesAfterBeastsLastWrite) {
    out->write_text("first");
    io.run_one();  // handed to the socket
    out->write_text("before the close");
    // Beast's own write (here a close frame, code 1000) comes in between: it stays.
    const std::string close_frame("\x88\x02\x03\xe8", 4);
    std::optional<beast::error_code> beast_wrote;
    out->async_write_some(asio::buffer(close_frame),
                          [&](beast::error_code ec, std::size_t) { beast_wrote = ec; });
    out->write_text("after one");
    out->write_text("after two");
    EXPECT_EQ(out->pending_frames(), 3u);

    out->discard_pending();
    EXPECT_EQ(out->pending_frames(), 1u);
    EXPECT_EQ(out->pending_bytes(), text_frame("before the close").size() + close_frame.size());

    std::optional<beast::error_code> flushed;
    out->async_flush([&](beast::error_code ec) { flushed = ec; });
    ASSERT_TRUE(run_until(io, [&] { return flushed.has_value() && beast_wrote.has_value(); }));
    EXPECT_FALSE(*flushed);
    EXPECT_FALSE(*beast_wrote);

    // Once flushed, everything left is on the wire: the peer reads exactly that.
    auto expected = text_frame("first") + text_frame("before the close") + close_frame;
    start_reading();
    ASSERT_TRUE(receive(expected.size()));
    EXPECT_EQ(received, expected);
    // Nothing else follows.
    out->next_layer().socket().shutdown(tcp::socket::shutdown_send);
    ASSERT_TRUE(run_until(io, [&] { return peer_ended.has_value(); }));
    EXPECT_EQ(*peer_ended, asio::error::eof);
    EXPECT_EQ(received, expected);
}

TEST_F(GatheringStreamTest, AFlushWithNothingQueuedCompletesAtOnce) {
    std::optional<beast::error_code> flushed;
    out->async_flush([&](beast::error_code ec) { flushed = ec; });
    ASSERT_TRUE(run_until(io, [&] { return flushed.has_value(); }));
    EXPECT_FALSE(*flushed);
}

TEST_F(GatheringStreamTest, AFlushCompletesWhenEverythingHasBeenHandedToTheSocket) {
    // More than loopback's socket buffers take at once: the flush waits for the reader.
    std::string big(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) out->write_text(big);
    std::optional<beast::error_code> flushed;
    out->async_flush([&](beast::error_code ec) { flushed = ec; });
    testing::run_ready(io);
    start_reading();
    ASSERT_TRUE(run_until(
        io, [&] { return flushed.has_value(); }, 20s));
    EXPECT_FALSE(*flushed);
    EXPECT_EQ(out->pending_frames(), 0u);
    auto expected = 8 * text_frame(big).size();
    ASSERT_TRUE(receive(expected));
    EXPECT_EQ(received.size(), expected);
}

TEST_F(GatheringStreamTest, ASocketThatFailedFailsTheFlushAndTakesNoMoreFrames) {
    // The peer resets the connection (a closed laptop lid).
    peer->set_option(asio::socket_base::linger(true, 0));
    peer->close();
    std::optional<beast::error_code> flushed;
    for (int attempt = 0; attempt < 100 && !(flushed && *flushed); ++attempt) {
        flushed.reset();
        out->write_text(std::string(64 * 1024, 'x'));
        out->async_flush([&](beast::error_code ec) { flushed = ec; });
        ASSERT_TRUE(run_until(io, [&] { return flushed.has_value(); }));
    }
    ASSERT_TRUE(flushed && *flushed) << "writes to a reset connection kept succeeding";

    out->write_text("lost");
    EXPECT_EQ(out->pending_frames(), 0u);
    EXPECT_EQ(out->pending_bytes(), 0u);
}

TEST_F(GatheringStreamTest, TeardownSendsWhatIsQueuedThenDrainsThePeerUntilItCloses) {
    // The peer is still sending (the rest of a frame the server refused) when the close
    // handshake ends: a reset now could destroy the close frame before the peer reads it.
    out->write_text("goodbye");
    std::string still_sending(512 * 1024, 'z');
    std::optional<beast::error_code> peer_wrote;
    asio::async_write(*peer, asio::buffer(still_sending),
                      [&](beast::error_code ec, std::size_t) { peer_wrote = ec; });
    std::optional<beast::error_code> torn_down;
    async_teardown(beast::role_type::server, *out, [&](beast::error_code ec) { torn_down = ec; });
    start_reading();

    // The peer gets what was queued, then the end of the stream, and all it sent was
    // taken (no reset).
    ASSERT_TRUE(run_until(io, [&] { return peer_ended.has_value() && peer_wrote.has_value(); }));
    EXPECT_EQ(received, text_frame("goodbye"));
    EXPECT_EQ(*peer_ended, asio::error::eof);
    EXPECT_FALSE(*peer_wrote) << peer_wrote->message();
    // The server waits for the peer's end before closing.
    EXPECT_FALSE(torn_down.has_value());

    peer->shutdown(tcp::socket::shutdown_send);
    ASSERT_TRUE(run_until(io, [&] { return torn_down.has_value(); }));
    EXPECT_FALSE(*torn_down) << torn_down->message();
    EXPECT_FALSE(out->next_layer().socket().is_open());
}

TEST_F(GatheringStreamTest, TeardownGivesUpOnAPeerThatKeepsSending) {
    // Far more than the teardown reads (1 MiB) and than loopback's buffers hold, and never
    // a close: the server gives up and closes.
    std::string endless(32 * 1024 * 1024, 'z');
    std::optional<beast::error_code> peer_wrote;
    asio::async_write(*peer, asio::buffer(endless),
                      [&](beast::error_code ec, std::size_t) { peer_wrote = ec; });
    std::optional<beast::error_code> torn_down;
    async_teardown(beast::role_type::server, *out, [&](beast::error_code ec) { torn_down = ec; });
    start_reading();
    ASSERT_TRUE(run_until(io, [&] { return torn_down.has_value() && peer_wrote.has_value(); }));
    EXPECT_FALSE(out->next_layer().socket().is_open());
    EXPECT_TRUE(*peer_wrote) << "the peer's 32 MiB were all taken";
}

}  // namespace
}  // namespace parlor::realtime
