#include "realtime/signal_frame.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace parlor::realtime {
namespace {

using nlohmann::json;

const std::string offer =
    R"({"type":"signal:offer","rid":7,"data":{"to":"m2","callId":"c1","sdp":"v=0\r\na=x:\"q\"\r\n"}})";

TEST(SignalFrame, AnOfferIsReadWithoutATree) {
    auto signal = read_signal(offer);
    ASSERT_TRUE(signal);
    EXPECT_EQ(signal->type, "signal:offer");
    EXPECT_EQ(signal->to, "m2");
    EXPECT_EQ(signal->call_id, "c1");
    EXPECT_EQ(signal->rid, "7");
    EXPECT_EQ(json::parse(signal->payload), "v=0\r\na=x:\"q\"\r\n");
}

// What the general path sends: nlohmann's dump of {type, data: {from, callId, sdp}}.
TEST(SignalFrame, TheForwardedFrameIsTheOneTheGeneralPathWouldSend) {
    auto signal = read_signal(offer);
    ASSERT_TRUE(signal);
    json expected = {{"type", "signal:offer"},
                     {"data", {{"from", "m1"}, {"callId", "c1"}, {"sdp", "v=0\r\na=x:\"q\"\r\n"}}}};
    EXPECT_EQ(forwarded_signal(*signal, "m1"), expected.dump());

    auto ice = read_signal(
        R"({"type":"signal:ice","data":{"callId":"c1","to":"m2","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}})");
    ASSERT_TRUE(ice);
    json ice_expected = {{"type", "signal:ice"},
                         {"data",
                          {{"from", "m1"},
                           {"callId", "c1"},
                           {"candidate",
                            {{"candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host"},
                             {"sdpMid", "0"},
                             {"sdpMLineIndex", 0}}}}}};
    EXPECT_EQ(json::parse(forwarded_signal(*ice, "m1")), ice_expected);
}

TEST(SignalFrame, AnIceSignalWithoutACandidateForwardsNull) {
    auto end = read_signal(R"({"type":"signal:ice","data":{"to":"m2","callId":"c1"}})");
    ASSERT_TRUE(end);
    EXPECT_EQ(json::parse(forwarded_signal(*end, "m1"))["data"]["candidate"], nullptr);
}

TEST(SignalFrame, TheSenderIdIsEscaped) {
    auto signal = read_signal(offer);
    ASSERT_TRUE(signal);
    EXPECT_EQ(json::parse(forwarded_signal(*signal, "a\"b\\c"))["data"]["from"], "a\"b\\c");
}

// Everything that is not a plain, well-formed signal goes to the general path, which
// answers with the right error.
TEST(SignalFrame, AnythingElseIsLeftToTheGeneralPath) {
    const char* others[] = {
        R"({"type":"call:start"})",
        R"({"type":"signal:offer"})",
        R"({"type":"signal:offer","data":"x"})",
        R"({"type":"signal:offer","data":{"callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"","callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":7,"callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"m\u0032","callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"m2","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"m2","callId":"c1"}})",
        R"({"type":"signal:offer","data":{"to":"m2","callId":"c1","sdp":""}})",
        R"({"type":"signal:offer","data":{"to":"m2","callId":"c1","sdp":{}}})",
        R"({"type":"signal:ice","data":{"to":"m2","callId":"c1","candidate":"x"}})",
        R"({"type":"signal:ice","data":{"to":"m2","callId":"c1","candidate":[]}})",
        R"({"type":"signal:offer","rid":{},"data":{"to":"m2","callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","rid":true,"data":{"to":"m2","callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"m2","callId":"c1","sdp":"v=0"})",
        R"({"typ\u0065":"signal:offer","data":{"to":"m2","callId":"c1","sdp":"v=0"}})",
        R"({"type":"signal:offer","data":{"to":"m2","callId":"c1","sdp":"v=0"},"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7})",
        R"(["signal:offer"])",
    };
    for (const char* text : others) EXPECT_FALSE(read_signal(text)) << text;
}

TEST(SignalFrame, ANullRidIsNoRid) {
    auto signal = read_signal(
        R"({"type":"signal:answer","rid":null,"data":{"to":"m2","callId":"c1","sdp":"v=0"}})");
    ASSERT_TRUE(signal);
    EXPECT_TRUE(signal->rid.empty());
}

}  // namespace
}  // namespace parlor::realtime
