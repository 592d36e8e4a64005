// WebRTC signaling relayed over the WebSocket (protocol.md, "WebSocket"): signal:offer,
// signal:answer and signal:ice pass only between two participants of the same active
// call, to the addressee alone, with `from` set by the server.

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

const char* const offer_sdp =
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n";
const char* const answer_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

// Ada created the room and started a call that Grace joined; Linus is in the room, online,
// not in the call.
class RealtimeSignalTest : public call_of_two_test {
  protected:
    std::vector<ws_client*> everyone() { return {ada_ws.get(), grace_ws.get(), linus_ws.get()}; }
};

TEST_F(RealtimeSignalTest, AnOfferReachesOnlyTheAddresseeFromTheRealSender) {
    ASSERT_TRUE(ada_ws->send("signal:offer",
                             {{"to", grace.member_id}, {"callId", call_id}, {"sdp", offer_sdp}},
                             "offer-1"));

    auto offer = grace_ws->next();
    ASSERT_TRUE(is_event(offer, "signal:offer"));
    EXPECT_EQ((*offer)["data"],
              (nlohmann::json{{"from", ada.member_id}, {"callId", call_id}, {"sdp", offer_sdp}}));
    EXPECT_FALSE(offer->contains("rid")) << shown(*offer);  // the rid is the sender's business
    EXPECT_TRUE(ada_ws->expect_silence());
    EXPECT_TRUE(linus_ws->expect_silence());
}

TEST_F(RealtimeSignalTest, AnAnswerAndIceCandidatesGoBackTheSameWay) {
    grace_ws->send("signal:answer",
                   {{"to", ada.member_id}, {"callId", call_id}, {"sdp", answer_sdp}});
    auto answer = ada_ws->next();
    ASSERT_TRUE(is_event(answer, "signal:answer"));
    EXPECT_EQ(
        (*answer)["data"],
        (nlohmann::json{{"from", grace.member_id}, {"callId", call_id}, {"sdp", answer_sdp}}));

    nlohmann::json candidate = {
        {"candidate",
         "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr "
         "0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999"},
        {"sdpMid", "0"},
        {"sdpMLineIndex", 0},
        {"usernameFragment", "EsAw"}};
    grace_ws->send("signal:ice",
                   {{"to", ada.member_id}, {"callId", call_id}, {"candidate", candidate}});
    auto ice = ada_ws->next();
    ASSERT_TRUE(is_event(ice, "signal:ice"));
    EXPECT_EQ(
        (*ice)["data"],
        (nlohmann::json{{"from", grace.member_id}, {"callId", call_id}, {"candidate", candidate}}));

    // The end of candidates: null, forwarded as null.
    grace_ws->send("signal:ice",
                   {{"to", ada.member_id}, {"callId", call_id}, {"candidate", nullptr}});
    auto end = ada_ws->next();
    ASSERT_TRUE(is_event(end, "signal:ice"));
    ASSERT_TRUE((*end)["data"].contains("candidate")) << shown(*end);
    EXPECT_TRUE((*end)["data"]["candidate"].is_null()) << shown(*end);
    EXPECT_EQ((*end)["data"]["from"], grace.member_id);

    for (auto* socket : everyone()) EXPECT_TRUE(socket->expect_silence());
}

TEST_F(RealtimeSignalTest, AFromGivenByTheClientIsIgnored) {
    ada_ws->send("signal:offer", {{"to", grace.member_id},
                                  {"callId", call_id},
                                  {"sdp", offer_sdp},
                                  {"from", linus.member_id}});

    auto offer = grace_ws->next();
    ASSERT_TRUE(is_event(offer, "signal:offer"));
    EXPECT_EQ((*offer)["data"]["from"], ada.member_id);
    EXPECT_TRUE(linus_ws->expect_silence());
}

TEST_F(RealtimeSignalTest, EveryOpenTabOfTheAddresseeGetsTheSignal) {
    auto grace_tab2 = join(grace);

    ada_ws->send("signal:offer",
                 {{"to", grace.member_id}, {"callId", call_id}, {"sdp", offer_sdp}});

    for (auto* tab : {grace_ws.get(), grace_tab2.get()}) {
        auto offer = tab->next();
        ASSERT_TRUE(is_event(offer, "signal:offer"));
        EXPECT_EQ((*offer)["data"]["from"], ada.member_id);
    }
}

TEST_F(RealtimeSignalTest, ASignalToSomeoneNotInTheCallIsUnknownPeer) {
    const std::pair<const char*, std::string> targets[] = {
        {"a member of the room who is not in the call", linus.member_id},
        {"the sender", ada.member_id},
        {"nobody", "0b7c6b4e-3f56-4f7a-9d0e-6a1f2b3c4d5e"},
        {"not even an id", "grace"}};
    for (const auto& [what, to] : targets) {
        SCOPED_TRACE(what);
        for (const char* type : {"signal:offer", "signal:answer", "signal:ice"}) {
            SCOPED_TRACE(type);
            nlohmann::json data = {{"to", to}, {"callId", call_id}};
            if (std::string_view(type) == "signal:ice") {
                data["candidate"] = nullptr;
            } else {
                data["sdp"] = offer_sdp;
            }
            ada_ws->send(type, data, "to-nobody");
            EXPECT_TRUE(is_ws_error(ada_ws->next(), "unknown_peer", "to-nobody"));
        }
    }
    for (auto* socket : everyone()) EXPECT_TRUE(socket->expect_silence());
}

TEST_F(RealtimeSignalTest, ASenderWhoIsNotInTheCallIsNotInCall) {
    linus_ws->send("signal:offer", {{"to", ada.member_id}, {"callId", call_id}, {"sdp", offer_sdp}},
                   "outsider");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "not_in_call", "outsider"));

    linus_ws->send("signal:ice",
                   {{"to", grace.member_id}, {"callId", call_id}, {"candidate", nullptr}},
                   "outsider-ice");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "not_in_call", "outsider-ice"));

    for (auto* socket : everyone()) EXPECT_TRUE(socket->expect_silence());
}

TEST_F(RealtimeSignalTest, SignalsAfterTheCallEndedAreRefused) {
    ada_ws->send("call:end", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(is_event(socket->next(), "call:ended"));

    ada_ws->send("signal:offer", {{"to", grace.member_id}, {"callId", call_id}, {"sdp", offer_sdp}},
                 "late");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "not_in_call", "late"));
    EXPECT_TRUE(grace_ws->expect_silence());

    // A new call has a new id: the old one stays refused even once both are in the new one.
    auto second = start_call(*grace_ws);
    ada_ws->send("call:join", {{"callId", second}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    ada_ws->send("signal:offer", {{"to", grace.member_id}, {"callId", call_id}, {"sdp", offer_sdp}},
                 "stale");
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "not_in_call", "stale"));
    ASSERT_TRUE(grace_ws->next_of_type("call:participant-joined"));
    EXPECT_TRUE(grace_ws->expect_silence());
}

// After the first signal the call's roster is in memory and signals are relayed from it:
// it must follow every change of the call, and refuse with the same errors.
TEST_F(RealtimeSignalTest, SignalsRelayedFromMemoryFollowEveryChangeOfTheCall) {
    nlohmann::json offer = {{"to", grace.member_id}, {"callId", call_id}, {"sdp", offer_sdp}};
    for (int i = 0; i < 3; ++i) {
        ada_ws->send("signal:offer", offer);
        ASSERT_TRUE(is_event(grace_ws->next(), "signal:offer"));
    }

    grace_ws->send("call:leave", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-left"));
    ada_ws->send("signal:offer", offer, 41);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "unknown_peer", 41));
    ada_ws->send("signal:offer", offer, 42);
    EXPECT_TRUE(is_ws_error(ada_ws->next(), "unknown_peer", 42));

    grace_ws->send("call:join", {{"callId", call_id}});
    for (auto* socket : everyone()) ASSERT_TRUE(socket->next_of_type("call:participant-joined"));
    ada_ws->send("signal:offer", offer);
    auto again = grace_ws->next();
    ASSERT_TRUE(is_event(again, "signal:offer"));
    EXPECT_EQ((*again)["data"]["from"], ada.member_id);
    ada_ws->send("signal:offer", offer);
    ASSERT_TRUE(is_event(grace_ws->next(), "signal:offer"));

    linus_ws->send("signal:offer", {{"to", ada.member_id}, {"callId", call_id}, {"sdp", offer_sdp}},
                   "outsider");
    EXPECT_TRUE(is_ws_error(linus_ws->next(), "not_in_call", "outsider"));
    for (auto* socket : everyone()) EXPECT_TRUE(socket->expect_silence());
}

TEST_F(RealtimeSignalTest, SignalsNeverCrossIntoAnotherRoom) {
    // A second room with its own call between Zed and Yan.
    auto zed = api().create_room("Zed");
    auto yan = api().join_room(zed.code, "Yan");
    auto zed_ws = join(zed);
    auto yan_ws = join(yan);
    ASSERT_TRUE(is_event(zed_ws->next(), "member:joined"));
    auto other_call = start_call(*zed_ws);
    yan_ws->send("call:join", {{"callId", other_call}});
    ASSERT_TRUE(zed_ws->next_of_type("call:participant-joined"));
    ASSERT_TRUE(yan_ws->next_of_type("call:participant-joined"));
    std::vector<ws_client*> all = {ada_ws.get(), grace_ws.get(), linus_ws.get(), zed_ws.get(),
                                   yan_ws.get()};

    struct attempt {
        const char* what;
        ws_client* from;
        std::string to, call;
    };
    const attempt attempts[] = {
        {"to another room's participant, with our call", ada_ws.get(), zed.member_id, call_id},
        {"to another room's participant, with their call", ada_ws.get(), zed.member_id, other_call},
        {"to our participant, with another room's call", ada_ws.get(), grace.member_id, other_call},
        {"from the other room into ours", zed_ws.get(), ada.member_id, call_id},
        {"from the other room, with their call", zed_ws.get(), grace.member_id, other_call},
        {"from outside any call", linus_ws.get(), yan.member_id, other_call},
    };
    for (const auto& a : attempts) {
        SCOPED_TRACE(a.what);
        a.from->send("signal:offer", {{"to", a.to}, {"callId", a.call}, {"sdp", offer_sdp}},
                     "cross");
        auto reply = a.from->next();
        EXPECT_TRUE(is_ws_error(reply, "not_in_call", "cross") ||
                    is_ws_error(reply, "unknown_peer", "cross"))
            << (reply ? shown(*reply) : std::string("no reply"));
    }
    // Nothing reached anyone, in either room.
    for (auto* socket : all) EXPECT_TRUE(socket->expect_silence());
}

TEST_F(RealtimeSignalTest, MalformedSignalsAreBadRequest) {
    const nlohmann::json bad[] = {
        {{"type", "signal:offer"}, {"data", {{"callId", call_id}, {"sdp", offer_sdp}}}},
        {{"type", "signal:offer"}, {"data", {{"to", grace.member_id}, {"sdp", offer_sdp}}}},
        {{"type", "signal:offer"}, {"data", {{"to", grace.member_id}, {"callId", call_id}}}},
        {{"type", "signal:offer"},
         {"data", {{"to", grace.member_id}, {"callId", call_id}, {"sdp", 5}}}},
        {{"type", "signal:answer"},
         {"data",
          {{"to", nlohmann::json::array({grace.member_id})}, {"callId", call_id}, {"sdp", "x"}}}},
        {{"type", "signal:ice"},
         {"data", {{"to", grace.member_id}, {"callId", call_id}, {"candidate", "candidate:1"}}}},
        {{"type", "signal:ice"},
         {"data", {{"to", grace.member_id}, {"callId", call_id}, {"candidate", 7}}}},
        {{"type", "signal:ice"},
         {"data", {{"to", grace.member_id}, {"callId", call_id}, {"candidate", {1, 2}}}}},
        {{"type", "signal:ice"}, {"data", {{"to", grace.member_id}, {"callId", 12}}}},
    };
    int rid = 0;
    for (auto frame : bad) {
        SCOPED_TRACE(frame.dump());
        frame["rid"] = ++rid;
        ada_ws->send_json(frame);
        EXPECT_TRUE(is_ws_error(ada_ws->next(), "bad_request", rid));
    }
    EXPECT_TRUE(grace_ws->expect_silence());
}

}  // namespace
}  // namespace parlor::itest
