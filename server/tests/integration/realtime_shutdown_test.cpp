// Shutdown with sockets open (protocol.md, "WebSocket"; docs/protocol.md): SIGTERM closes
// every socket with 1001 and the process exits 0.

#include <signal.h>

#include "realtime_support.hpp"

namespace parlor::itest {
namespace {

class RealtimeShutdownTest : public realtime_test {
  protected:
    void SetUp() override {
        realtime_test::SetUp();
        ada = api().create_room("Ada");
        grace = api().join_room(ada.code, "Grace");
    }

    // Sockets of Ada and Grace, in a call together, and one socket that never joined.
    void open_sockets() {
        ada_ws = join(ada);
        grace_ws = join(grace);
        unjoined = connect();
        auto call_id = start_call(*ada_ws);
        grace_ws->send("call:join", {{"callId", call_id}});
        if (!grace_ws->next_of_type("call:participant-joined"))
            throw std::runtime_error("call:participant-joined went missing");
    }

    admission ada, grace;
    std::unique_ptr<ws_client> ada_ws, grace_ws, unjoined;
};

// A short call grace, so that this test does not wait out the bug below.
class RealtimeShortGraceShutdownTest : public RealtimeShutdownTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--call-grace", "1"}};
    }
};

TEST_F(RealtimeShortGraceShutdownTest, SigtermClosesEverySocketWith1001AndExitsCleanly) {
    open_sockets();

    server().send_signal(SIGTERM);

    for (auto* socket : {ada_ws.get(), grace_ws.get(), unjoined.get()}) {
        auto closure = socket->wait_closed();
        ASSERT_TRUE(closure.has_value()) << "still open after SIGTERM";
        EXPECT_TRUE(closure->close_frame) << closure->describe();
        EXPECT_EQ(closure->code, 1001) << closure->describe();
    }
    auto status = server().wait_for_exit(10s);
    ASSERT_TRUE(status.has_value()) << "still running 10 s after SIGTERM";
    EXPECT_TRUE(status->clean()) << status->describe();
}

TEST_F(RealtimeShutdownTest, SigtermWithOpenSocketsExitsPromptly) {
    open_sockets();
    auto signalled = std::chrono::steady_clock::now();

    server().send_signal(SIGTERM);

    for (auto* socket : {ada_ws.get(), grace_ws.get(), unjoined.get()}) {
        ASSERT_TRUE(socket->wait_closed().has_value());
    }
    auto status = server().wait_for_exit(40s);
    ASSERT_TRUE(status.has_value()) << "still running 40 s after SIGTERM";
    EXPECT_TRUE(status->clean()) << status->describe();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s);
}

}  // namespace
}  // namespace parlor::itest
