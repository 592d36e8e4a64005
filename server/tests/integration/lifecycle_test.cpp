// The process as an operator runs it: restarts keep the rooms, SIGTERM drains and exits 0,
// the secret stays private, --help documents every flag, bad configuration fails loudly.

#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

namespace parlor::itest {
namespace {

struct socket_queues {
    unsigned long unacknowledged;  // sent, not yet acknowledged by the peer (tx_queue)
    unsigned long unread;          // received, not yet read by the application (rx_queue)
};

// The kernel's queues of the IPv4 TCP socket from `local_port` to `remote_port`, as listed
// in /proc/net/tcp; nullopt if there is no such socket.
std::optional<socket_queues> queues_of(unsigned short local_port, unsigned short remote_port) {
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // the column titles
    auto hex = [](const std::string& s) { return std::stoul(s, nullptr, 16); };
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues;
        fields >> slot >> local >> remote >> state >> queues;
        if (local.find(':') == std::string::npos || remote.find(':') == std::string::npos ||
            queues.find(':') == std::string::npos) {
            continue;
        }
        if (hex(local.substr(local.find(':') + 1)) == local_port &&
            hex(remote.substr(remote.find(':') + 1)) == remote_port) {
            return socket_queues{hex(queues.substr(0, queues.find(':'))),
                                 hex(queues.substr(queues.find(':') + 1))};
        }
    }
    return std::nullopt;
}

// Waits until the server process has read everything we sent on `connection`: our side has
// no unacknowledged bytes (they reached the server's kernel) and the server's side has no
// unread ones (the server took them).
bool wait_until_server_read(const parlor_process& server, const http_connection& connection,
                            std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto ours = queues_of(connection.local_port(), server.port());
        auto theirs = queues_of(server.port(), connection.local_port());
        if (ours && theirs && ours->unacknowledged == 0 && theirs->unread == 0) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

class LifecycleTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--shutdown-grace", "30"}};
    }

    std::map<std::string, nlohmann::json> members_of(const admission& who) {
        std::map<std::string, nlohmann::json> members;
        auto state = api().room_state(who);
        for (const auto& m : state["members"]) members[m["id"].get<std::string>()] = m;
        return members;
    }
};

// ---- restarts ----

TEST_F(LifecycleTest, RoomsMembersAndTokensSurviveARestart) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto linus = api().join_room(ada.code, "Linus");
    ASSERT_EQ(api().leave(ada.code, bearer(linus.token)).status, 204);
    auto before = api().room_state(ada);

    server().restart();

    auto after = api().room_state(ada);  // the old token still works
    EXPECT_EQ(after["room"], before["room"]);
    auto names = [](const nlohmann::json& state) {
        std::map<std::string, std::pair<std::string, std::string>> out;
        for (const auto& m : state["members"])
            out[m["id"].get<std::string>()] = {m["displayName"], m["joinedAt"]};
        return out;
    };
    EXPECT_EQ(names(after), names(before));
    EXPECT_EQ(names(after).size(), 2u);
    auto again = admission_from(api().join(ada.code, "{}", bearer(grace.token)), 200);
    EXPECT_EQ(again.member_id, grace.member_id);
    EXPECT_EQ(again.display_name, "Grace");
    // Who left stays gone.
    EXPECT_TRUE(is_error(api().state(ada.code, bearer(linus.token)), 401, "unauthorized"));
    // And the room takes new members.
    EXPECT_EQ(api().join(ada.code, name_body("Margaret")).status, 200);
}

TEST_F(LifecycleTest, RoomsSurviveACrash) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto killed = server().kill();
    EXPECT_EQ(killed.signal, SIGKILL);
    server().start();

    auto members = members_of(grace);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[ada.member_id]["displayName"], "Ada");
    EXPECT_EQ(members[grace.member_id]["displayName"], "Grace");
}

// ---- shutdown ----

TEST_F(LifecycleTest, SigtermExitsWithStatusZeroAndLogsStopped) {
    api().create_room();

    auto status = server().stop();

    EXPECT_TRUE(status.clean()) << status.describe();
    auto log = server().log();
    EXPECT_NE(log.find(R"("event":"shutting_down")"), std::string::npos);
    EXPECT_NE(log.find(R"("event":"stopped")"), std::string::npos);
    EXPECT_EQ(log.find("grace period"), std::string::npos);
}

TEST_F(LifecycleTest, SigintExitsWithStatusZeroToo) {
    server().send_signal(SIGINT);

    auto status = server().wait_for_exit(20s);

    ASSERT_TRUE(status.has_value()) << "still running 20 s after SIGINT";
    EXPECT_TRUE(status->clean()) << status->describe();
    EXPECT_NE(server().log().find(R"("event":"stopped")"), std::string::npos);
}

TEST_F(LifecycleTest, IdleConnectionsAreClosedAtOnceOnSigterm) {
    http_connection used(port());
    ASSERT_EQ(used.request("GET", "/api/health").status, 200);  // now idle, kept alive
    http_connection unused(port());                             // never sent a byte

    auto started = std::chrono::steady_clock::now();
    server().send_signal(SIGTERM);

    EXPECT_TRUE(used.closed_by_peer(10s));
    EXPECT_TRUE(unused.closed_by_peer(10s));
    auto status = server().wait_for_exit(10s);
    ASSERT_TRUE(status.has_value()) << "idle connections held the shutdown";
    EXPECT_TRUE(status->clean()) << status->describe();
    // Well inside the 30 s grace period: nothing waited for the idle connections.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(server().log().find("grace period"), std::string::npos);
}

TEST_F(LifecycleTest, AnInFlightRequestIsAnsweredDuringShutdown) {
    std::string body = name_body("Last Guest");
    http_connection connection(port());
    connection.write_raw(
        "POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
    ASSERT_TRUE(wait_until_server_read(server(), connection));

    server().send_signal(SIGTERM);
    ASSERT_TRUE(server().wait_for_log(R"("event":"shutting_down")"));
    // New connections are no longer accepted, but our request is still awaited.
    EXPECT_TRUE(server().running());
    connection.write_raw(body.substr(5));
    auto reply = connection.read_reply("POST");

    EXPECT_EQ(reply.status, 201) << reply.body;
    EXPECT_FALSE(reply.keep_alive);  // the server says it is closing
    EXPECT_TRUE(connection.closed_by_peer(10s));
    auto status = server().wait_for_exit(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->clean()) << status->describe();

    // What it answered was stored.
    server().start();
    auto guest = admission_from(reply, 201);
    EXPECT_EQ(api().room_state(guest)["members"][0]["displayName"], "Last Guest");
}

class ShortGraceTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--shutdown-grace", "1"}};
    }
};

TEST_F(ShortGraceTest, AStuckRequestDoesNotHoldTheShutdownPastTheGracePeriod) {
    http_connection stuck(port());
    stuck.write_raw("POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    ASSERT_TRUE(wait_until_server_read(server(), stuck));

    server().send_signal(SIGTERM);
    auto status = server().wait_for_exit(15s);

    ASSERT_TRUE(status.has_value()) << "still running long after the 1 s grace period";
    EXPECT_TRUE(status->exited) << status->describe();
    EXPECT_NE(server().log().find("grace period"), std::string::npos);
    EXPECT_TRUE(stuck.closed_by_peer(5s));
}

// ---- the token secret ----

TEST_F(LifecycleTest, TheGeneratedTokenSecretIsPrivateAndKept) {
    auto path = server().data_dir() / "token-secret";
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << std::oct << (info.st_mode & 0777);
    std::string secret;
    std::getline(std::ifstream(path), secret);
    EXPECT_GE(secret.size(), 32u);

    server().restart();

    std::string after;
    std::getline(std::ifstream(path), after);
    EXPECT_EQ(after, secret);
}

TEST_F(LifecycleTest, ASecretReadableByOthersStopsTheStart) {
    auto ada = api().create_room();
    ASSERT_TRUE(server().stop().clean());
    std::filesystem::permissions(server().data_dir() / "token-secret",
                                 std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);

    EXPECT_THROW(server().start_listening(), std::runtime_error);
    auto status = server().wait_for_exit(0ms);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->exited && status->code != 0) << status->describe();
    EXPECT_NE(server().log().find("chmod 600"), std::string::npos);
}

// ---- command line ----

struct flag_and_variable {
    const char* flag;
    const char* variable;
};

TEST(CommandLineTest, HelpListsEveryFlagWithItsEnvironmentTwin) {
    auto run = run_parlor({"--help"});

    EXPECT_TRUE(run.status.clean()) << run.status.describe();
    const flag_and_variable documented[] = {
        {"--host", "PARLOR_HOST"},
        {"--port", "PARLOR_PORT"},
        {"--public-origin", "PARLOR_PUBLIC_ORIGIN"},
        {"--threads", "PARLOR_THREADS"},
        {"--trusted-proxy", "PARLOR_TRUSTED_PROXY"},
        {"--max-connections", "PARLOR_MAX_CONNECTIONS"},
        {"--max-connections-per-ip", "PARLOR_MAX_CONNECTIONS_PER_IP"},
        {"--header-timeout", "PARLOR_HEADER_TIMEOUT"},
        {"--data-dir", "PARLOR_DATA_DIR"},
        {"--database-url", "PARLOR_DATABASE_URL"},
        {"--db-threads", "PARLOR_DB_THREADS"},
        {"--static-dir", "PARLOR_STATIC_DIR"},
        {"--room-create-per-minute", "PARLOR_ROOM_CREATE_PER_MINUTE"},
        {"--join-per-minute", "PARLOR_JOIN_PER_MINUTE"},
        {"--max-json-body", "PARLOR_MAX_JSON_BODY"},
        {"--token-secret", "PARLOR_TOKEN_SECRET"},
        {"--token-ttl", "PARLOR_TOKEN_TTL"},
        {"--stun-url", "PARLOR_STUN_URL"},
        {"--turn-url", "PARLOR_TURN_URL"},
        {"--turn-secret", "PARLOR_TURN_SECRET"},
        {"--turn-ttl", "PARLOR_TURN_TTL"},
        {"--ice-transport-policy", "PARLOR_ICE_TRANSPORT_POLICY"},
        {"--log-level", "PARLOR_LOG_LEVEL"},
        {"--shutdown-grace", "PARLOR_SHUTDOWN_GRACE"},
        {"--room-max-files", "PARLOR_ROOM_MAX_FILES"},
        {"--room-max-bytes", "PARLOR_ROOM_MAX_BYTES"},
        {"--min-free-disk", "PARLOR_MIN_FREE_DISK"},
        {"--prepare-per-minute", "PARLOR_PREPARE_PER_MINUTE"},
        {"--room-retention-days", "PARLOR_ROOM_RETENTION_DAYS"},
        {"--sweep-interval", "PARLOR_SWEEP_INTERVAL"},
    };
    std::map<std::string, std::string> line_of_flag;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        auto start = line.find_first_not_of(' ');
        if (start == std::string::npos || line.compare(start, 2, "--") != 0) continue;
        auto flag = line.substr(start, line.find(' ', start) - start);
        line_of_flag[flag] = line;
        if (flag != "--version") {
            EXPECT_NE(line.find("(Env:PARLOR_"), std::string::npos)
                << flag << " has no environment twin: " << line;
        }
    }
    for (const auto& [flag, variable] : documented) {
        SCOPED_TRACE(flag);
        ASSERT_TRUE(line_of_flag.contains(flag)) << run.out;
        EXPECT_NE(line_of_flag[flag].find(std::string("(Env:") + variable + ")"), std::string::npos)
            << line_of_flag[flag];
    }
}

TEST(CommandLineTest, VersionPrintsTheVersion) {
    auto run = run_parlor({"--version"});

    EXPECT_TRUE(run.status.clean()) << run.status.describe();
    EXPECT_NE((run.out + run.err).find(PARLOR_VERSION), std::string::npos) << run.out << run.err;
}

TEST(CommandLineTest, BadFlagValuesExitNonZeroWithAMessage) {
    const std::vector<std::vector<std::string>> cases = {
        {"--port", "not-a-port"},
        {"--port", "70000"},
        {"--port", "-1"},
        {"--threads", "0"},
        {"--threads", "many"},
        {"--db-threads", "1000"},
        {"--room-create-per-minute", "-1"},
        {"--join-per-minute", "lots"},
        {"--max-json-body", "10"},
        {"--token-ttl", "1"},  // 2 s at least (short ones are for tests)
        {"--ws-relay-bytes-per-second", "1000"},
        {"--ws-relay-bytes-per-second", "fast"},
        {"--ws-max-queued-bytes", "1024"},
        {"--ws-max-queued-frames", "0"},
        {"--log-level", "loud"},
        {"--shutdown-grace", "-3"},
        {"--trusted-proxy", "10.0.0.0/33"},
        {"--trusted-proxy", "127.0.0.1/32,proxy.example.org"},
        {"--max-connections", "-1"},
        {"--max-connections-per-ip", "many"},
        {"--header-timeout", "0"},
        {"--no-such-flag", "1"},
        {"--port"},
    };
    for (const auto& args : cases) {
        SCOPED_TRACE(args[0] + (args.size() > 1 ? " " + args[1] : ""));
        auto all_args = args;
        all_args.insert(all_args.end(), {"--data-dir", "data"});
        auto run = run_parlor(all_args);
        EXPECT_TRUE(run.status.exited && run.status.code != 0) << run.status.describe();
        EXPECT_NE(run.err.find(args[0]), std::string::npos) << "stderr: " << run.err;
        EXPECT_EQ((run.out + run.err).find("listening"), std::string::npos);
    }
}

TEST(CommandLineTest, EnvironmentVariablesConfigureTheServer) {
    parlor_process server({{"--room-create-per-minute", ""}},
                          {{"PARLOR_ROOM_CREATE_PER_MINUTE", "1"}});
    server.start();
    parlor_client api(server.port());

    EXPECT_EQ(api.create(name_body("Ada")).status, 201);
    EXPECT_TRUE(is_error(api.create(name_body("Ada")), 429, "rate_limited"));
}

TEST(CommandLineTest, AFlagWinsOverItsEnvironmentVariable) {
    parlor_process server({{"--room-create-per-minute", "0"}},
                          {{"PARLOR_ROOM_CREATE_PER_MINUTE", "1"}});
    server.start();
    parlor_client api(server.port());

    EXPECT_EQ(api.create(name_body("Ada")).status, 201);
    EXPECT_EQ(api.create(name_body("Ada")).status, 201);
}

TEST(CommandLineTest, UnusableSettingsStopTheStartWithAMessage) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--token-secret", "too-short"}, "32"},
        {{"--database-url", "postgresql://parlor@127.0.0.1:1/parlor"}, "Connection refused"},
        {{"--database-url", "postgres://localhost/parlor?no_such_setting=1"},
         "invalid PostgreSQL URL"},
        {{"--database-url", "mysql://db.example/parlor"}, "database URL"},
        {{"--host", "256.0.0.1"}, "parlor cannot start"},
    };
    for (const auto& [args, expected] : cases) EXPECT_TRUE(refuses_to_start(args, expected));
}

TEST(CommandLineTest, APortInUseStopsTheStart) {
    parlor_process first;
    first.start();

    auto run = run_parlor(
        {"--port", std::to_string(first.port()), "--data-dir", "data", "--static-dir", "static"});

    EXPECT_TRUE(run.status.exited && run.status.code != 0) << run.status.describe();
    EXPECT_NE(run.err.find("parlor cannot start"), std::string::npos) << run.err;
    EXPECT_TRUE(first.running());
}

}  // namespace
}  // namespace parlor::itest
