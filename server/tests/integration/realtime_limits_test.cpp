// What a socket may send and what happens past it (protocol.md, "WebSocket", and the
// project's docs/protocol.md): frame sizes, the message rate, malformed and unknown frames,
// binary frames, garbage of every kind, readers that fall behind.

#include <signal.h>

#include <random>

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

// A text frame of exactly `size` bytes holding a JSON envelope of this type.
std::string padded_envelope(const std::string& type, std::size_t size,
                            const nlohmann::json& rid = "padded") {
    nlohmann::json envelope = {{"type", type}, {"data", {{"pad", ""}}}, {"rid", rid}};
    auto empty = envelope.dump();
    if (size < empty.size()) throw std::logic_error("padded_envelope: too small");
    envelope["data"]["pad"] = std::string(size - empty.size(), 'p');
    auto text = envelope.dump();
    if (text.size() != size) throw std::logic_error("padded_envelope: wrong size");
    return text;
}

class RealtimeLimitsTest : public realtime_test {
  protected:
    void SetUp() override {
        realtime_test::SetUp();
        ada = api().create_room("Ada");
        grace = api().join_room(ada.code, "Grace");
    }

    // Ada and Grace in a call (from these joined sockets); returns the call's id.
    std::string call_of_two(ws_client& ada_ws, ws_client& grace_ws) {
        auto call_id = start_call(ada_ws);
        grace_ws.send("call:join", {{"callId", call_id}});
        if (!grace_ws.next_of_type("call:participant-joined") ||
            !ada_ws.next_of_type("call:participant-joined")) {
            throw std::runtime_error("call:participant-joined went missing");
        }
        return call_id;
    }

    // The socket (Ada's, unless `who` says) still answers: a room:join is answered with
    // room:state.
    ::testing::AssertionResult still_answers(ws_client& socket, const admission* who = nullptr) {
        if (!socket.send("room:join", {{"token", (who ? *who : ada).token}}, "alive?")) {
            return ::testing::AssertionFailure() << "the socket is closed";
        }
        auto reply = socket.next_of_type("room:state");
        if (!reply) return ::testing::AssertionFailure() << "no room:state";
        if ((*reply)["rid"] != "alive?")
            return ::testing::AssertionFailure() << "wrong rid: " << shown(*reply);
        return ::testing::AssertionSuccess();
    }

    admission ada, grace;
};

// ---- sizes ----

TEST_F(RealtimeLimitsTest, AFrameOver64KiBClosesTheSocketWith1009) {
    auto socket = join(ada);

    socket->send_text(padded_envelope("no:such-type", 65 * 1024));
    auto closure = socket->wait_closed();

    ASSERT_TRUE(closure.has_value()) << "still open";
    EXPECT_TRUE(closure->close_frame) << closure->describe();
    EXPECT_EQ(closure->code, 1009) << closure->describe();
    EXPECT_TRUE(still_serving());
}

TEST_F(RealtimeLimitsTest, TheLimitIsExactly64KiB) {
    auto at_limit = join(ada);
    at_limit->send_text(padded_envelope("no:such-type", 64 * 1024, "at-limit"));
    EXPECT_TRUE(is_ws_error(at_limit->next(), "unsupported", "at-limit"));
    EXPECT_TRUE(still_answers(*at_limit));

    auto one_over = join(ada);
    one_over->send_text(padded_envelope("no:such-type", 64 * 1024 + 1, "over"));
    auto closure = one_over->wait_closed();
    ASSERT_TRUE(closure.has_value()) << "still open";
    EXPECT_EQ(closure->code, 1009) << closure->describe();
}

TEST_F(RealtimeLimitsTest, A60KiBFrameIsServedNormally) {
    auto ada_ws = join(ada);
    auto grace_ws = join(grace);
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));

    // A large unknown frame is answered like a small one...
    ada_ws->send_text(padded_envelope("no:such-type", 60 * 1024, "big"));
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "unsupported", "big"));

    // ... and a large SDP reaches its peer whole.
    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-joined"));
    std::string sdp = "v=0\r\n" + std::string(60 * 1024, 'a');
    ada_ws->send("signal:offer", {{"to", grace.member_id}, {"callId", call_id}, {"sdp", sdp}});
    auto offer = grace_ws->next();
    ASSERT_TRUE(is_event(offer, "signal:offer"));
    EXPECT_EQ((*offer)["data"]["sdp"], sdp);
    EXPECT_TRUE(still_answers(*ada_ws));
}

// ---- the message rate ----

// 400 messages at once, against 100 a second with bursts of 200: past the burst each one
// is refused, and past 50 refusals the socket is closed.
TEST_F(RealtimeLimitsTest, AFloodEndsTheSocket) {
    auto socket = join(ada);

    int sent = 0;
    for (int i = 0; i < 400 && socket->send("no:such-type", {}, i); ++i) ++sent;

    auto closure = socket->wait_closed();
    ASSERT_TRUE(closure.has_value()) << "still open after " << sent << " messages";
    EXPECT_TRUE(still_serving());
    auto fresh = join(ada);  // the limit was the socket's, not the member's
    EXPECT_TRUE(still_answers(*fresh));
}

// The rate_limited errors already queued go out before the close says why.
TEST_F(RealtimeLimitsTest, AFloodIsRateLimitedThenClosedWithPolicy) {
    auto socket = join(ada);

    int sent = 0;
    for (int i = 0; i < 400 && socket->send("no:such-type", {}, i); ++i) ++sent;

    std::optional<nlohmann::json> refusal;
    while (auto frame = socket->next()) {
        if ((*frame)["data"].value("code", "") == "rate_limited") {
            refusal = frame;
            break;
        }
    }
    ASSERT_TRUE(refusal.has_value()) << "no rate_limited among the replies to " << sent;
    auto rid = (*refusal)["data"]["rid"];
    ASSERT_TRUE(rid.is_number_integer()) << shown(*refusal);
    EXPECT_TRUE(is_ws_error(refusal, "rate_limited", rid));
    EXPECT_GE(rid.get<int>(), 150);  // not before the burst allowance (200) was spent

    auto closure = socket->wait_closed();
    ASSERT_TRUE(closure.has_value()) << "still open after " << sent << " messages";
    EXPECT_TRUE(closure->close_frame) << closure->describe();
    EXPECT_EQ(closure->code, 1008) << closure->describe();
    EXPECT_TRUE(still_serving());
}

TEST_F(RealtimeLimitsTest, WithoutARateLimitTheSameFloodIsServed) {
    parlor_process unlimited(std::map<std::string, std::string>{{"--ws-messages-per-second", "0"}});
    unlimited.start();
    auto room = parlor_client(unlimited.port()).create_room("Ada");
    ws_client socket(unlimited.port());
    socket.send("room:join", {{"token", room.token}});
    ASSERT_TRUE(is_event(socket.next(), "room:state"));

    for (int i = 0; i < 400; ++i) ASSERT_TRUE(socket.send("no:such-type", {}, i)) << i;

    for (int i = 0; i < 400; ++i) {
        auto reply = socket.next();
        ASSERT_TRUE(is_ws_error(reply, "unsupported", i)) << "reply " << i;
    }
    EXPECT_TRUE(socket.expect_silence());
    EXPECT_TRUE(socket.is_open());
}

class RealtimeSlowRateTest : public RealtimeLimitsTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--ws-messages-per-second", "10"}};  // bursts of 20
    }
};

TEST_F(RealtimeSlowRateTest, RefusalsUnderTheStrikeLimitLeaveTheSocketOpen) {
    auto socket = join(ada);

    for (int i = 0; i < 30; ++i) ASSERT_TRUE(socket->send("no:such-type", {}, i));

    int unsupported = 0, limited = 0;
    for (int i = 0; i < 30; ++i) {
        auto reply = socket->next();
        ASSERT_TRUE(is_event(reply, "error")) << i;
        auto code = (*reply)["data"]["code"];
        EXPECT_EQ((*reply)["data"]["rid"], i);
        if (code == "unsupported") ++unsupported;
        if (code == "rate_limited") ++limited;
    }
    EXPECT_GE(unsupported, 19);  // the burst (20, less the room:join)
    EXPECT_GE(limited, 1);
    EXPECT_EQ(unsupported + limited, 30);
    EXPECT_TRUE(socket->expect_silence());

    // The bucket refills at 10 a second.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    bool served = false;
    while (!served && std::chrono::steady_clock::now() < deadline) {
        socket->send("no:such-type", {}, "later");
        auto reply = socket->next();
        ASSERT_TRUE(is_event(reply, "error"));
        served = (*reply)["data"]["code"] == "unsupported";
        if (!served) std::this_thread::sleep_for(150ms);  // pacing, as a real client would
    }
    EXPECT_TRUE(served);
    EXPECT_TRUE(socket->is_open());
}

// A refusal echoes the rid as any other error does: strings and numbers only.
TEST_F(RealtimeSlowRateTest, ARateLimitedFrameEchoesOnlyAScalarRid) {
    auto socket = join(ada);
    // All sent together: 45 plain frames empty the burst of 20 (less the room:join), then
    // frames whose rid is an object or deeply nested arrays, taking turns. The bucket
    // refills at 10 a second, so on a slow machine (a sanitizer build) some of the latter
    // are served rather than refused; every reply, either way, carries no rid.
    const int drain = 45, turns = 8;
    const std::string nested = R"({"type":"no:such-type","rid":{"nested":[1,2,3]}})";
    const std::string deep = "{\"type\":\"no:such-type\",\"rid\":" + std::string(30 * 1024, '[') +
                             std::string(30 * 1024, ']') + "}";
    for (int i = 0; i < drain; ++i) ASSERT_TRUE(socket->send("no:such-type", {}, i));
    for (int i = 0; i < turns; ++i) {
        ASSERT_TRUE(socket->send_text(nested));
        ASSERT_TRUE(socket->send_text(deep));
    }

    int limited = 0;
    for (int i = 0; i < drain; ++i) {
        auto reply = socket->next();
        ASSERT_TRUE(is_event(reply, "error")) << i;
        EXPECT_EQ((*reply)["data"]["rid"], i);
        if ((*reply)["data"]["code"] == "rate_limited") ++limited;
    }
    ASSERT_GE(limited, 1) << "the burst was not used up";
    int nested_refused = 0, deep_refused = 0;
    for (int i = 0; i < 2 * turns; ++i) {
        auto reply = socket->next();
        ASSERT_TRUE(is_event(reply, "error")) << i;
        EXPECT_FALSE((*reply)["data"].contains("rid")) << shown(*reply);
        if ((*reply)["data"]["code"] == "rate_limited")
            ++(i % 2 == 0 ? nested_refused : deep_refused);
    }
    EXPECT_GE(nested_refused, 1);
    EXPECT_GE(deep_refused, 1);
    EXPECT_TRUE(still_serving());
}

// A reader that falls too far behind (1024 frames or 4 MiB queued for it) is dropped with
// 1013 rather than buffered without bound. Both rates are off here, so that one sender can
// outrun a reader; the relay budget's own tests are further down.
class RealtimeUnlimitedRateTest : public RealtimeLimitsTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--ws-messages-per-second", "0"}, {"--ws-relay-bytes-per-second", "0"}};
    }

    // Ada and Grace in a call; then Grace stops reading while Ada sends her 42 MB of offers,
    // far more than the kernel's buffers and the 4 MiB queue hold. Returns Grace's socket.
    std::unique_ptr<ws_client> flood_a_reader_who_stopped(ws_client& ada_ws) {
        auto grace_ws = join(grace);
        auto call_id = start_call(ada_ws);
        grace_ws->send("call:join", {{"callId", call_id}});
        if (!grace_ws->next_of_type("call:participant-joined") ||
            !ada_ws.next_of_type("call:participant-joined")) {
            throw std::runtime_error("call:participant-joined went missing");
        }
        std::string sdp(60 * 1024, 's');
        for (int i = 0; i < 700; ++i) {
            if (!ada_ws.send("signal:offer",
                             {{"to", grace.member_id}, {"callId", call_id}, {"sdp", sdp}})) {
                throw std::runtime_error("Ada's socket closed during the flood");
            }
        }
        return grace_ws;
    }
};

TEST_F(RealtimeUnlimitedRateTest, AReaderThatFallsFarBehindIsDroppedWith1013) {
    auto ada_ws = join(ada);
    auto grace_ws = flood_a_reader_who_stopped(*ada_ws);

    // Dropped while still not reading: the room hears she is offline.
    auto offline = ada_ws->next_of_type("member:left", 15s);
    ASSERT_TRUE(is_event(offline, "member:left"));
    EXPECT_EQ((*offline)["data"]["memberId"], grace.member_id);

    // Once she reads again she finds fewer offers than were sent, then the end.
    int received = 0;
    while (grace_ws->next(5s)) ++received;
    auto closure = grace_ws->wait_closed(1s);
    ASSERT_TRUE(closure.has_value());
    if (closure->close_frame) {
        EXPECT_EQ(closure->code, 1013) << closure->describe();
    }
    EXPECT_LT(received, 700);
    EXPECT_TRUE(still_answers(*ada_ws));
}

TEST_F(RealtimeUnlimitedRateTest, SigtermExitsEvenWithAReaderThatStopped) {
    auto ada_ws = join(ada);
    auto grace_ws = flood_a_reader_who_stopped(*ada_ws);

    server().send_signal(SIGTERM);

    auto closure = ada_ws->wait_closed();
    ASSERT_TRUE(closure.has_value());
    EXPECT_EQ(closure->code, 1001) << closure->describe();
    auto status = server().wait_for_exit(40s);  // the default --shutdown-grace is 10 s
    ASSERT_TRUE(status.has_value()) << "still running 40 s after SIGTERM";
    EXPECT_TRUE(status->clean()) << status->describe();
}

// ---- the relay budget ----

// One sender flooding a peer (issue 11, hole 8): 700 offers of 60 KB as fast as the socket
// takes them, the message rate off, while the peer reads nothing. Without a bound on the
// bytes relayed (--ws-relay-bytes-per-second 0, the test above) the peer falls past its
// queue cap and is dropped. With one (64 KiB a second here, bursts of 256 KiB, against a
// queue cap of 256 KiB) the sender's signals past it are refused with rate_limited, and past
// 50 refusals the sender is closed (1008) like any flooder; the peer stays connected.
class RealtimeRelayBudgetTest : public RealtimeLimitsTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--ws-messages-per-second", "0"},
                {"--ws-relay-bytes-per-second", "65536"},
                {"--ws-max-queued-bytes", "262144"}};
    }
};

TEST_F(RealtimeRelayBudgetTest, AFloodingSenderIsRefusedBeforeItsPeerIsDropped) {
    auto ada_ws = join(ada);
    auto grace_ws = join(grace);
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));
    auto call_id = call_of_two(*ada_ws, *grace_ws);

    std::string sdp(60 * 1024, 's');
    int sent = 0;
    for (int i = 0; i < 700; ++i) {
        if (!ada_ws->send("signal:offer",
                          {{"to", grace.member_id}, {"callId", call_id}, {"sdp", sdp}}, i)) {
            break;
        }
        ++sent;
    }

    // Ada: refused once past the budget, then closed for it.
    int refused = 0;
    while (auto frame = ada_ws->next(3s)) {
        if (is_ws_error(frame, "rate_limited", (*frame)["data"].value("rid", nlohmann::json())))
            ++refused;
    }
    auto closure = ada_ws->wait_closed(5s);
    ASSERT_TRUE(closure.has_value()) << "the flooding sender is still open after " << sent;
    EXPECT_EQ(closure->code, 1008) << closure->describe();
    EXPECT_GE(refused, 40);
    EXPECT_LT(sent, 700);

    // Coming back on a fresh socket buys no fresh burst (four offers): the budget is the
    // member's, and it has had only a moment to refill.
    auto ada_again = join(ada);
    bool refused_again = false;
    for (int i = 0; i < 3 && !refused_again; ++i) {
        ada_again->send("signal:offer",
                        {{"to", grace.member_id}, {"callId", call_id}, {"sdp", sdp}}, "again");
        auto reply = ada_again->next(300ms);
        refused_again = is_ws_error(reply, "rate_limited", "again");
    }
    EXPECT_TRUE(refused_again) << "a reconnected sender got a fresh budget";

    // Grace, who read nothing meanwhile, is still there, with what the budget let through.
    int offers = 0;
    while (auto frame = grace_ws->next(1s)) {
        if (!is_event(frame, "signal:offer")) continue;
        ++offers;
        EXPECT_EQ((*frame)["data"]["sdp"].get<std::string>().size(), sdp.size());
    }
    EXPECT_GE(offers, 4);   // the burst: 256 KiB
    EXPECT_LE(offers, 20);  // and the rate for the second or so the flood lasted
    EXPECT_TRUE(grace_ws->is_open());
    EXPECT_TRUE(still_answers(*grace_ws, &grace));
    EXPECT_EQ(server().log().find("dropping a socket"), std::string::npos);
}

// What a browser sends when it joins a call of six, and again when it renegotiates with
// everyone (screen share, ICE restart): five offers of 20 KB and 40 candidates each time.
// The default budget (128 KiB a second, bursts of 512 KiB) passes all of it.
TEST_F(RealtimeLimitsTest, LegitimateSignallingIsNeverRefused) {
    auto ada_ws = join(ada);
    auto grace_ws = join(grace);
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));
    auto call_id = call_of_two(*ada_ws, *grace_ws);
    std::string sdp = "v=0\r\n" + std::string(20 * 1024, 'a');
    nlohmann::json candidate = {
        {"candidate",
         "candidate:842163049 1 udp 1677729535 203.0.113.7 49152 typ srflx raddr "
         "192.168.1.20 rport 49152 generation 0 ufrag abcd network-cost 999"},
        {"sdpMid", "0"},
        {"sdpMLineIndex", 0},
        {"usernameFragment", "abcd"}};

    int sent = 0;
    for (int round = 0; round < 2; ++round) {
        for (int peer = 0; peer < 5; ++peer, ++sent) {
            ASSERT_TRUE(ada_ws->send("signal:offer",
                                     {{"to", grace.member_id}, {"callId", call_id}, {"sdp", sdp}}));
        }
        for (int i = 0; i < 40; ++i, ++sent) {
            ASSERT_TRUE(ada_ws->send(
                "signal:ice",
                {{"to", grace.member_id}, {"callId", call_id}, {"candidate", candidate}}));
        }
    }

    for (int i = 0; i < sent; ++i) {
        auto frame = grace_ws->next();
        ASSERT_TRUE(frame.has_value()) << "signal " << i << " of " << sent << " missing";
        EXPECT_TRUE(is_event(frame, i % 45 < 5 ? "signal:offer" : "signal:ice")) << i;
    }
    EXPECT_TRUE(ada_ws->expect_silence());  // no rate_limited
}

// ---- what a frame may hold ----

TEST_F(RealtimeLimitsTest, AnUnknownTypeIsUnsupported) {
    auto socket = join(ada);

    for (const char* type :
         {"no:such-type", "file:prepare-upload", "ROOM:JOIN", "room:state", "call:started", ""}) {
        SCOPED_TRACE(type);
        socket->send(type, {}, std::string("u-") + type);
        EXPECT_TRUE(is_ws_error(socket->next(), "unsupported", std::string("u-") + type));
    }
    EXPECT_TRUE(still_answers(*socket));
}

TEST_F(RealtimeLimitsTest, MalformedFramesAreBadRequestAndTheSocketStaysOpen) {
    auto socket = join(ada);
    const char* frames[] = {
        "not json",
        "{\"type\": \"call:start\"",
        "[1, 2, 3]",
        "\"call:start\"",
        "42",
        "null",
        "",
        "{}",
        "{\"data\": {}}",
        "{\"type\": 5, \"data\": {}}",
        "{\"type\": null}",
        "{\"type\": [\"call:start\"]}",
        "{\"type\": \"call:start\", \"data\": []}",
        "{\"type\": \"call:start\", \"data\": \"x\"}",
        "{\"type\": \"call:start\", \"data\": null}",
        "{\"type\": \"call:start\", \"data\": {}, \"rid\": {\"a\": 1}}",
        "{\"type\": \"call:start\", \"data\": {}, \"rid\": [1]}",
        "{\"type\": \"call:start\", \"data\": {}, \"rid\": true}",
        "{'type': 'call:start'}",
        "{\"type\": \"call:start\", \"data\": {},}",
    };
    for (const char* frame : frames) {
        SCOPED_TRACE(frame);
        ASSERT_TRUE(socket->send_text(frame));
        EXPECT_TRUE(is_ws_error(socket->next(), "bad_request"));
    }
    // A readable rid is echoed even when the rest is wrong.
    socket->send_text(R"({"type": 5, "rid": "r-type"})");
    EXPECT_TRUE(is_ws_error(socket->next(), "bad_request", "r-type"));
    socket->send_text(R"({"type": "call:start", "data": [], "rid": 77})");
    EXPECT_TRUE(is_ws_error(socket->next(), "bad_request", 77));

    EXPECT_TRUE(api().room_state(ada)["call"].is_null());  // no call:start got through
    EXPECT_TRUE(still_answers(*socket));
}

TEST_F(RealtimeLimitsTest, ABinaryFrameEndsTheSocketUnread) {
    auto socket = join(ada);

    socket->send_binary(
        nlohmann::json{{"type", "call:start"}, {"data", nlohmann::json::object()}}.dump());
    auto closure = socket->wait_closed();

    ASSERT_TRUE(closure.has_value()) << "still open";
    EXPECT_TRUE(api().room_state(ada)["call"].is_null());
    EXPECT_TRUE(still_serving());
}

TEST_F(RealtimeLimitsTest, ABinaryFrameClosesTheSocketWith1007) {
    auto socket = join(ada);

    socket->send_binary(
        nlohmann::json{{"type", "call:start"}, {"data", nlohmann::json::object()}}.dump());
    auto closure = socket->wait_closed();

    ASSERT_TRUE(closure.has_value()) << "still open";
    EXPECT_TRUE(closure->close_frame) << closure->describe();
    EXPECT_EQ(closure->code, 1007) << closure->describe();
}

// ---- garbage ----

// Text frames whose bytes are not UTF-8 close the socket (1007, the WebSocket rule); none of
// it, nor anything else a client can put in a frame, takes the server down.
TEST_F(RealtimeLimitsTest, GarbageNeverTakesTheServerDown) {
    std::mt19937 random(20261125);
    auto noise = [&](std::size_t n) {
        std::string bytes(n, '\0');
        for (auto& c : bytes) c = static_cast<char>(random() & 0xff);
        return bytes;
    };
    std::vector<std::pair<std::string, std::string>> frames = {
        {"random bytes", noise(1000)},
        {"more random bytes", noise(60 * 1024)},
        {"invalid UTF-8 in a string", std::string(R"({"type":"call:start","rid":"\xff\xfe"})")},
        {"an overlong encoding", std::string("{\"type\":\"\xc0\xaf\"}")},
        {"an encoded surrogate", std::string("{\"type\":\"\xed\xa0\x80\"}")},
        {"UTF-8 cut short", std::string("{\"type\":\"call:start\xe2\x82\"}")},
        {"NUL bytes", std::string(100, '\0')},
        {"an escaped lone surrogate", R"({"type":"call:start","rid":"\ud800"})"},
        {"a huge number", R"({"type":"call:start","rid":1e999999})"},
        {"a huge integer rid", R"({"type":"no:such-type","rid":123456789012345678901234567890})"},
        {"a negative zero", R"({"type":"no:such-type","rid":-0.0})"},
        {"a huge callId", R"({"type":"call:join","data":{"callId":1e308}})"},
        {"a long type", "{\"type\":\"" + std::string(60 * 1024, 't') + "\"}"},
        {"deeply nested arrays", std::string(32 * 1024, '[') + std::string(32 * 1024, ']')},
        {"deeply nested data", R"({"type":"no:such-type","data":{"x":)" +
                                   std::string(30 * 1024, '[') + std::string(30 * 1024, ']') +
                                   "}}"},
        {"deeply nested objects",
         [] {
             std::string s;
             for (int i = 0; i < 10000; ++i) s += "{\"a\":";
             s += "1";
             s += std::string(10000, '}');
             return s;
         }()},
        {"a deeply nested rid",
         "{\"type\":\"no:such-type\",\"rid\":" + std::string(30 * 1024, '[') +
             std::string(30 * 1024, ']') + "}"},
    };

    for (const auto& [what, frame] : frames) {
        SCOPED_TRACE(what);
        ASSERT_LE(frame.size(), 64u * 1024);
        auto socket = join(ada);
        socket->send_text(frame);
        // Each is either refused with an error or closes the socket; nothing else.
        auto reply = socket->next(3s);
        if (reply) {
            EXPECT_TRUE(is_event(reply, "error")) << shown(*reply);
        } else {
            auto closure = socket->wait_closed(3s);
            ASSERT_TRUE(closure.has_value()) << "neither an answer nor a close";
            // Even a large frame refused from its first bytes (not UTF-8), while the client
            // is still sending it: the server reads the rest before it closes, so that no
            // reset overtakes its close frame. The close code is the 1007 test's business.
            EXPECT_TRUE(closure->close_frame) << closure->describe();
        }
        ASSERT_TRUE(still_serving());
    }
    // Unjoined sockets get the same treatment.
    for (int i = 0; i < 20; ++i) {
        auto socket = connect();
        socket->send_text(noise(100 + i * 50));
    }
    EXPECT_TRUE(still_serving());
    auto after = join(ada);
    EXPECT_TRUE(still_answers(*after));
}

// Deep JSON that the server passes on to a peer (an ICE candidate is any object).
TEST_F(RealtimeLimitsTest, DeeplyNestedCandidatesDoNotTakeTheServerDown) {
    auto ada_ws = join(ada);
    auto grace_ws = join(grace);
    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-joined"));

    std::string prefix = R"({"type":"signal:ice","data":{"to":")" + grace.member_id +
                         R"(","callId":")" + call_id + R"(","candidate":{"x":)";
    std::size_t depth = (64 * 1024 - prefix.size() - 3) / 2;
    std::string frame = prefix + std::string(depth, '[') + std::string(depth, ']') + "}}}";
    ASSERT_LE(frame.size(), 64u * 1024);

    ada_ws->send_text(frame);

    auto forwarded = grace_ws->next();  // forwarded, or refused to Ada: either is fine
    if (!forwarded) {
        EXPECT_TRUE(ada_ws->next().has_value()) << "no answer at all";
    }
    ASSERT_TRUE(still_serving());
}

}  // namespace
}  // namespace parlor::itest
