// ICE servers with short-lived TURN credentials (protocol.md, "REST", and the project's
// docs/protocol.md): where clients get them, the credential scheme coturn checks, the
// route that refreshes them, the settings that stop the start; and call:report, the
// browser's account of how a peer connection went.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <regex>

#include "realtime_support.hpp"
#include "tokens.hpp"

namespace parlor::itest {
namespace {

const std::string turn_secret = "coturn-static-auth-secret-for-tests";
const std::vector<std::string> stun_urls = {"stun:stun.example.org:3478", "stun:stun2.example.org"};
const std::vector<std::string> turn_urls = {"turn:turn.example.org:3478?transport=udp",
                                            "turns:turn.example.org:5349"};

// What coturn computes to check a credential: base64(HMAC-SHA1(secret, username)).
std::string expected_credential(const std::string& secret, const std::string& username) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac, &length);
    std::string encoded(4 * ((length + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), mac,
                            static_cast<int>(length));
    encoded.resize(static_cast<std::size_t>(n));
    return encoded;
}

std::string joined(const std::vector<std::string>& urls) {
    std::string out;
    for (const auto& url : urls) out += (out.empty() ? "" : ",") + url;
    return out;
}

// `ice_servers` is the STUN entry, then a TURN entry for `member_id` whose credential
// expires `ttl` seconds from now (a few seconds either way) and verifies with the secret.
::testing::AssertionResult has_turn_credential_for(const nlohmann::json& ice_servers,
                                                   const std::string& member_id,
                                                   long long ttl = 600) {
    if (!ice_servers.is_array() || ice_servers.size() != 2) {
        return ::testing::AssertionFailure() << "expected a STUN and a TURN entry: " << ice_servers;
    }
    const auto& stun = ice_servers[0];
    if (stun != nlohmann::json{{"urls", stun_urls}}) {
        return ::testing::AssertionFailure() << "the first entry is not the STUN one: " << stun;
    }
    const auto& turn = ice_servers[1];
    if (keys_of(turn) != std::set<std::string>{"urls", "username", "credential"} ||
        turn["urls"] != nlohmann::json(turn_urls) || !turn["username"].is_string() ||
        !turn["credential"].is_string()) {
        return ::testing::AssertionFailure() << "not the TURN entry: " << turn;
    }
    auto username = turn["username"].get<std::string>();
    std::smatch parts;
    if (!std::regex_match(username, parts, std::regex("^([0-9]+):(.+)$")) ||
        parts[2] != member_id) {
        return ::testing::AssertionFailure()
               << "username '" << username << "' is not <expiry>:" << member_id;
    }
    auto expires_in = std::stoll(parts[1]) - unix_now();
    if (expires_in < ttl - 5 || expires_in > ttl + 1) {
        return ::testing::AssertionFailure()
               << "the credential expires in " << expires_in << " s, not " << ttl;
    }
    if (turn["credential"] != expected_credential(turn_secret, username)) {
        return ::testing::AssertionFailure()
               << "credential " << turn["credential"] << " is not base64(HMAC-SHA1(secret, '"
               << username << "'))";
    }
    return ::testing::AssertionSuccess();
}

bool has_credentials(const nlohmann::json& ice_servers) {
    for (const auto& entry : ice_servers) {
        if (entry.contains("username") || entry.contains("credential")) return true;
    }
    return false;
}

class IceServersTest : public realtime_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--stun-url", joined(stun_urls)},
                {"--turn-url", joined(turn_urls)},
                {"--turn-secret", turn_secret},
                {"--turn-ttl", "600"},
                {"--call-capacity", "4"}};
    }

    http_reply ice_servers(const std::string& code, const header_list& headers = {}) {
        return api().call("GET", "/api/rooms/" + code + "/ice-servers", {}, headers);
    }

    const std::string call_id = "3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10";

    nlohmann::json report_from(const admission& peer) {
        return {{"callId", call_id}, {"peerId", peer.member_id}, {"path", "direct"}};
    }
};

// ---- where clients get them ----

TEST_F(IceServersTest, CreateAndJoinHandEachMemberTheirOwnTurnCredential) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    EXPECT_TRUE(has_turn_credential_for(ada.body["iceServers"], ada.member_id));
    EXPECT_TRUE(has_turn_credential_for(grace.body["iceServers"], grace.member_id));
    EXPECT_NE(ada.body["iceServers"][1]["username"], grace.body["iceServers"][1]["username"]);
    for (const auto* body : {&ada.body, &grace.body}) {
        EXPECT_EQ((*body)["iceServersTtl"], 600);
        EXPECT_EQ((*body)["iceTransportPolicy"], "all");
    }

    // A rejoin with the token is the same member: the credential names them again.
    auto again = admission_from(api().join(ada.code, "{}", bearer(grace.token)), 200);
    EXPECT_TRUE(has_turn_credential_for(again.body["iceServers"], grace.member_id));
}

TEST_F(IceServersTest, TheSnapshotCarriesTheCredentialOfItsSelfOverRestAndWebSocket) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto rest = api().room_state(grace);
    nlohmann::json pushed;
    auto socket = join(ada, &pushed);

    EXPECT_TRUE(has_turn_credential_for(rest["iceServers"], grace.member_id));
    EXPECT_EQ(rest["iceTransportPolicy"], "all");
    EXPECT_EQ(rest["callCapacity"], 4);
    EXPECT_TRUE(has_turn_credential_for(pushed["iceServers"], ada.member_id));
    EXPECT_EQ(pushed["iceTransportPolicy"], "all");
    EXPECT_EQ(pushed["callCapacity"], 4);  // --call-capacity, for the "call is full" text
}

TEST_F(IceServersTest, TheIceServersRouteAnswersFreshCredentialsThatNoCacheKeeps) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto r = ice_servers(ada.code, bearer(grace.token));

    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("application/json"));
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    auto body = r.json();
    EXPECT_EQ(keys_of(body), (std::set<std::string>{"iceServers", "ttl", "iceTransportPolicy"}));
    EXPECT_TRUE(has_turn_credential_for(body["iceServers"], grace.member_id));
    EXPECT_EQ(body["ttl"], 600);
    EXPECT_EQ(body["iceTransportPolicy"], "all");
}

TEST_F(IceServersTest, TheIceServersRouteChecksTheTokenAsStateDoes) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto elsewhere = api().create_room("Mallory");

    EXPECT_TRUE(is_error(ice_servers(ada.code), 401, "unauthorized"));
    EXPECT_TRUE(is_error(ice_servers(ada.code, bearer("not.a.token")), 401, "unauthorized"));
    EXPECT_TRUE(is_error(ice_servers(ada.code, {{"Authorization", "Basic YWRhOmFkYQ=="}}), 401,
                         "unauthorized"));
    EXPECT_TRUE(is_error(ice_servers(ada.code, bearer(elsewhere.token)), 403, "forbidden"));
    EXPECT_TRUE(is_error(ice_servers("zzzz-zzzz-zzzz", bearer(ada.token)), 404, "room_not_found"));
    EXPECT_TRUE(is_error(ice_servers("not-a-code", bearer(ada.token)), 404, "room_not_found"));

    ASSERT_EQ(api().leave(ada.code, bearer(grace.token)).status, 204);
    EXPECT_TRUE(is_error(ice_servers(ada.code, bearer(grace.token)), 401, "unauthorized"));
    EXPECT_EQ(ice_servers(ada.code, bearer(ada.token)).status, 200);
}

TEST_F(IceServersTest, TheRouteTakesGetOnly) {
    auto ada = api().create_room("Ada");

    auto r = api().call("POST", "/api/rooms/" + ada.code + "/ice-servers", "{}", bearer(ada.token));

    EXPECT_TRUE(is_error(r, 405, "method_not_allowed"));
}

TEST(IceServersConfigTest, TheRelayPolicyIsAnnouncedEverywhere) {
    parlor_process server({{"--turn-url", turn_urls[0]},
                           {"--turn-secret", turn_secret},
                           {"--ice-transport-policy", "relay"}});
    server.start();
    parlor_client api(server.port());

    auto ada = api.create_room("Ada");
    auto grace = api.join_room(ada.code, "Grace");
    auto refreshed =
        api.call("GET", "/api/rooms/" + ada.code + "/ice-servers", {}, bearer(ada.token));

    EXPECT_EQ(ada.body["iceTransportPolicy"], "relay");
    EXPECT_EQ(grace.body["iceTransportPolicy"], "relay");
    EXPECT_EQ(api.room_state(ada)["iceTransportPolicy"], "relay");
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    EXPECT_EQ(refreshed.json()["iceTransportPolicy"], "relay");
    // No STUN configured: the TURN entry alone, with the default TTL of a day.
    auto servers = refreshed.json()["iceServers"];
    ASSERT_EQ(servers.size(), 1u) << servers;
    EXPECT_EQ(servers[0]["urls"], nlohmann::json::array({turn_urls[0]}));
    EXPECT_EQ(refreshed.json()["ttl"], 86400);
    EXPECT_EQ(ada.body["iceServersTtl"], 86400);
}

TEST(IceServersConfigTest, WithoutTurnNoEntryCarriesCredentials) {
    parlor_process server({{"--stun-url", joined(stun_urls)}});
    server.start();
    parlor_client api(server.port());

    auto ada = api.create_room("Ada");
    auto state = api.room_state(ada);
    auto refreshed =
        api.call("GET", "/api/rooms/" + ada.code + "/ice-servers", {}, bearer(ada.token));

    nlohmann::json stun_only = nlohmann::json::array({{{"urls", stun_urls}}});
    EXPECT_EQ(ada.body["iceServers"], stun_only);
    EXPECT_EQ(ada.body["iceTransportPolicy"], "all");
    EXPECT_EQ(state["iceServers"], stun_only);
    EXPECT_EQ(state["iceTransportPolicy"], "all");
    EXPECT_EQ(state["callCapacity"], 6);  // the default
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    EXPECT_EQ(refreshed.json()["iceServers"], stun_only);
    EXPECT_FALSE(has_credentials(refreshed.json()["iceServers"]));
}

TEST(IceServersConfigTest, TheEnvironmentConfiguresTurnToo) {
    parlor_process server({}, {{"PARLOR_STUN_URL", joined(stun_urls)},
                               {"PARLOR_TURN_URL", joined(turn_urls)},
                               {"PARLOR_TURN_SECRET", turn_secret},
                               {"PARLOR_TURN_TTL", "600"}});
    server.start();
    parlor_client api(server.port());

    auto ada = api.create_room("Ada");

    EXPECT_TRUE(has_turn_credential_for(ada.body["iceServers"], ada.member_id));
}

TEST(IceServersConfigTest, SettingsNoCallCouldWorkWithStopTheStart) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--turn-url", "turn:turn.example.org"}, "--turn-secret"},
        {{"--ice-transport-policy", "relay"}, "--turn-url"},
        {{"--ice-transport-policy", "relay", "--turn-secret", "s"}, "--turn-url"},
        {{"--turn-url", "http://turn.example.org", "--turn-secret", "s"}, "turn:"},
        {{"--turn-url", "turn:a.example.org,stun:b.example.org", "--turn-secret", "s"}, "turn:"},
        {{"--turn-url", "turn:", "--turn-secret", "s"}, "turn:"},
        {{"--stun-url", "turn:turn.example.org"}, "stun:"},
        {{"--turn-ttl", "59", "--turn-url", "turn:t.example.org", "--turn-secret", "s"},
         "--turn-ttl"},
        {{"--ice-transport-policy", "direct"}, "--ice-transport-policy"},
    };
    for (const auto& [args, expected] : cases) {
        std::string shown_args;
        for (const auto& arg : args) shown_args += arg + " ";
        SCOPED_TRACE(shown_args);
        auto all_args = args;
        all_args.insert(all_args.end(), {"--port", "0", "--data-dir", "data"});
        auto run = run_parlor(all_args);
        EXPECT_TRUE(run.status.exited && run.status.code != 0) << run.status.describe();
        EXPECT_NE(run.err.find(expected), std::string::npos) << "stderr: " << run.err;
        EXPECT_EQ((run.out + run.err).find("listening"), std::string::npos) << run.out << run.err;
    }
}

// ---- call:report ----

TEST_F(IceServersTest, AValidCallReportIsAnsweredWithNothing) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = join(ada);

    auto full = report_from(grace);
    full["firstMediaMs"] = 850;
    full["path"] = "relay";
    full["iceFailure"] = "disconnected-timeout";
    ASSERT_TRUE(socket->send("call:report", full, "report-1"));
    ASSERT_TRUE(socket->send("call:report", report_from(grace), "report-2"));
    ASSERT_TRUE(socket->send("room:join", {{"token", ada.token}}, "after"));

    // Frames are handled in order: had a report been answered, its reply would come first.
    auto next = socket->next();
    ASSERT_TRUE(is_event(next, "room:state"));
    EXPECT_EQ((*next)["rid"], "after");
}

TEST_F(IceServersTest, EachMalformedCallReportIsBadRequestEchoingItsRid) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = join(ada);
    auto with = [&](const char* field, const nlohmann::json& value) {
        auto data = report_from(grace);
        data[field] = value;
        return data;
    };
    auto without_path = report_from(grace);
    without_path.erase("path");

    const std::vector<std::pair<std::string, nlohmann::json>> cases = {
        {"missing path", without_path},
        {"bad path", with("path", "turn")},
        {"negative firstMediaMs", with("firstMediaMs", -1)},
        {"too large firstMediaMs", with("firstMediaMs", 600001)},
        {"fractional firstMediaMs", with("firstMediaMs", 12.5)},
        {"non-UUID peerId", with("peerId", "grace")},
        {"non-UUID callId", with("callId", 7)},
        {"iceFailure with spaces", with("iceFailure", "ice failed")},
        {"empty iceFailure", with("iceFailure", "")},
        {"long iceFailure", with("iceFailure", std::string(65, 'x'))},
    };
    for (const auto& [name, data] : cases) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(socket->send("call:report", data, name));
        EXPECT_TRUE(is_ws_error(socket->next(), "bad_request", name));
    }
    EXPECT_TRUE(socket->is_open());
}

TEST_F(IceServersTest, ACallReportIsLoggedAsOneJsonLine) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = join(ada);

    auto data = report_from(grace);
    data["firstMediaMs"] = 420;
    data["iceFailure"] = "failed";
    socket->send("call:report", data);

    auto line = server().wait_for_log(R"("event":"call_report")");
    ASSERT_TRUE(line.has_value()) << server().log();
    auto logged = nlohmann::json::parse(*line, nullptr, false);
    ASSERT_TRUE(logged.is_object()) << *line;
    EXPECT_EQ(logged["level"], "info");
    EXPECT_EQ(logged["room"], ada.room_id);
    EXPECT_EQ(logged["member"], ada.member_id);
    EXPECT_EQ(logged["callId"], call_id);
    EXPECT_EQ(logged["peerId"], grace.member_id);
    EXPECT_EQ(logged["path"], "direct");
    EXPECT_EQ(logged["firstMediaMs"], 420);
    EXPECT_EQ(logged["iceFailure"], "failed");
}

TEST_F(IceServersTest, ACallReportBeforeRoomJoinIsUnauthorized) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = connect();

    socket->send("call:report", report_from(grace), "early");

    EXPECT_TRUE(is_ws_error(socket->next(), "unauthorized", "early"));
}

class CallReportRateTest : public realtime_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--ws-messages-per-second", "1"}};  // bursts of 2, room:join takes one
    }
};

TEST_F(CallReportRateTest, CallReportsCountTowardTheMessageRate) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto socket = join(ada);

    for (int i = 0; i < 5; ++i) {
        socket->send("call:report",
                     {{"callId", ada.room_id}, {"peerId", grace.member_id}, {"path", "direct"}}, i);
    }

    // The first reports pass unanswered; the first reply is a refusal of a later one.
    auto reply = socket->next();
    ASSERT_TRUE(is_event(reply, "error"));
    EXPECT_EQ((*reply)["data"]["code"], "rate_limited") << shown(*reply);
    EXPECT_GE((*reply)["data"]["rid"], 1);
}

}  // namespace
}  // namespace parlor::itest
