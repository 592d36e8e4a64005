// The Prometheus metrics (--metrics-address): served on their own listener only, in a
// format promtool accepts, and moved by what people do.

#include <fstream>

#include "files_support.hpp"
#include "support/child_process.hpp"

namespace parlor::itest {
namespace {

class MetricsTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--metrics-address", "127.0.0.1:0"}};
    }
    void SetUp() override {
        files_test::SetUp();
        metrics_port = metrics_port_of(server());
    }
    std::string scrape() {
        auto r = request(metrics_port, "GET", "/metrics");
        if (r.status != 200) throw std::runtime_error("scrape: " + std::to_string(r.status));
        return r.body;
    }
    // How much each series moved between two scrapes (absent counts as 0).
    static double moved(const std::string& before, const std::string& after,
                        const std::string& series) {
        return series_value(after, series).value_or(0) - series_value(before, series).value_or(0);
    }
    // A checking tool run on an exposition (as a file, its last argument, or on its
    // standard input): its exit status, with what it said.
    std::pair<int, std::string> check_exposition(std::vector<std::string> command,
                                                 const std::string& exposition, bool as_file) {
        auto input = server().root() / "exposition.txt";
        auto output = server().root() / "check.txt";
        std::ofstream(input) << exposition;
        if (as_file) command.push_back(input.string());
        testing::child_process tool(command, {.stdin_from = as_file ? "/dev/null" : input,
                                              .stdout_to = output,
                                              .stderr_to = output});
        int status = tool.wait();
        std::ifstream said(output);
        return {status, std::string(std::istreambuf_iterator<char>(said), {})};
    }

    unsigned short metrics_port = 0;
};

TEST_F(MetricsTest, MetricsAreOnTheirOwnListenerOnly) {
    for (const char* path : {"/metrics", "/api/metrics"}) {
        auto r = api().call("GET", path);
        EXPECT_EQ(r.body.find("parlor_"), std::string::npos) << path << ": " << r.body;
    }
    auto elsewhere = request(metrics_port, "GET", "/api/health");
    EXPECT_EQ(elsewhere.status, 404);
    auto scraped = request(metrics_port, "GET", "/metrics");
    EXPECT_EQ(scraped.status, 200);
    EXPECT_TRUE(
        scraped.header("Content-Type").value_or("").starts_with("text/plain; version=0.0.4"));
}

TEST_F(MetricsTest, ThePromtoolAcceptsTheExposition) {
    api().create_room("Ada");
    auto [status, said] =
        check_exposition({PROMTOOL_EXECUTABLE, "check", "metrics"}, scrape(), false);
    EXPECT_EQ(status, 0) << said;
    auto scraped = scrape();
    for (const char* name :
         {"parlor_rooms_created_total", "parlor_room_joins_total", "parlor_members_online",
          "parlor_sockets_open", "parlor_calls_active", "parlor_call_joins_total",
          "parlor_call_duration_seconds", "parlor_time_to_first_media_seconds",
          "parlor_ice_failures_total", "parlor_file_uploads_total",
          "parlor_file_upload_bytes_total", "parlor_http_request_duration_seconds",
          "parlor_ws_messages_total", "process_cpu_seconds_total", "process_resident_memory_bytes",
          "process_open_fds", "process_start_time_seconds"}) {
        EXPECT_NE(scraped.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
    }
    EXPECT_GT(series_value(scraped, "process_resident_memory_bytes").value_or(0), 1e6);
    EXPECT_GT(series_value(scraped, "process_open_fds").value_or(0), 3);
}

TEST_F(MetricsTest, ACreateAJoinACallAReportAndAnUploadEachMoveTheirFigures) {
    auto before = scrape();

    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    ASSERT_EQ(api().join(ada.code, "{}", bearer(grace.token)).status, 200);  // a reload
    EXPECT_EQ(api().join("zzzz-zzzz-zzzz", name_body("Linus")).status, 404);
    auto ada_ws = join(ada);
    auto grace_ws = join(grace);
    ASSERT_TRUE(ada_ws->next_of_type("member:joined"));

    auto call_id = start_call(*ada_ws);
    grace_ws->send("call:join", {{"callId", call_id}});
    ASSERT_TRUE(ada_ws->next_of_type("call:participant-joined"));
    grace_ws->send("call:join", {{"callId", "00000000-0000-4000-8000-000000000000"}});
    ASSERT_TRUE(grace_ws->next_of_type("error"));
    grace_ws->send(
        "call:report",
        {{"callId", call_id}, {"peerId", ada.member_id}, {"path", "relay"}, {"firstMediaMs", 850}});
    grace_ws->send("call:report", {{"callId", call_id},
                                   {"peerId", ada.member_id},
                                   {"path", "direct"},
                                   {"iceFailure", "failed"}});
    auto bytes = binary_bytes(3000);
    share(grace, "notes.bin", "application/octet-stream", bytes);

    auto during = scrape();
    EXPECT_EQ(series_value(during, "parlor_calls_active"), 1);
    EXPECT_EQ(series_value(during, "parlor_sockets_open"), 2);
    EXPECT_EQ(series_value(during, "parlor_members_online"), 2);

    ada_ws->send("call:end", {{"callId", call_id}});
    ASSERT_TRUE(grace_ws->next_of_type("call:ended"));
    grace_ws->close();
    auto after = scrape();

    EXPECT_EQ(moved(before, after, "parlor_rooms_created_total"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_room_joins_total{result="joined"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_room_joins_total{result="rejoined"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_room_joins_total{result="room_not_found"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_call_joins_total{result="started"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_call_joins_total{result="joined"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_call_joins_total{result="no_active_call"})"), 1);
    EXPECT_EQ(moved(before, after, "parlor_call_duration_seconds_count"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_time_to_first_media_seconds_count{path="relay"})"), 1);
    EXPECT_DOUBLE_EQ(
        moved(before, after, R"(parlor_time_to_first_media_seconds_sum{path="relay"})"), 0.85);
    EXPECT_EQ(
        moved(before, after, R"(parlor_time_to_first_media_seconds_bucket{path="relay",le="1"})"),
        1);
    EXPECT_EQ(moved(before, after,
                    R"(parlor_time_to_first_media_seconds_bucket{path="relay",le="0.75"})"),
              0);
    EXPECT_EQ(moved(before, after, R"(parlor_ice_failures_total{reason="failed"})"), 1);
    EXPECT_EQ(moved(before, after, R"(parlor_file_uploads_total{result="completed"})"), 1);
    EXPECT_EQ(moved(before, after, "parlor_file_upload_bytes_total"), 3000);
    EXPECT_EQ(
        moved(before, after,
              R"(parlor_http_request_duration_seconds_count{route="/api/rooms",status="201"})"),
        1);
    EXPECT_EQ(
        moved(
            before, after,
            R"(parlor_http_request_duration_seconds_count{route="/api/rooms/:code/join",status="200"})"),
        2);
    EXPECT_EQ(moved(before, after,
                    R"(parlor_http_request_duration_seconds_count{route="blob",status="204"})"),
              1);
    EXPECT_EQ(moved(before, after,
                    R"(parlor_http_request_duration_seconds_count{route="ws",status="101"})"),
              2);
    // Frames in: 2 joins, start, 2 call:joins, 2 reports, end.
    EXPECT_EQ(moved(before, after, R"(parlor_ws_messages_total{direction="in"})"), 8);
    EXPECT_GT(moved(before, after, R"(parlor_ws_messages_total{direction="out"})"), 8);
    EXPECT_EQ(series_value(after, "parlor_calls_active"), 0);
    EXPECT_EQ(series_value(after, "parlor_members_online"), 1);  // Grace closed her socket
    EXPECT_EQ(series_value(after, "parlor_sockets_open"), 1);
}

// The shipped Grafana dashboard (deploy/grafana) queries only figures a server exports, in
// PromQL that promtool parses.
TEST_F(MetricsTest, TheShippedDashboardAsksForFiguresTheServerExports) {
    ASSERT_EQ(api().health().status, 200);  // so that the request histogram has a series
    auto [status, said] = check_exposition(
        {PYTHON3_EXECUTABLE, DASHBOARD_CHECK_SCRIPT, "--require-promtool"}, scrape(), true);
    EXPECT_EQ(status, 0) << said;
}

// Whatever a browser names as an ICE failure, the series stay few.
TEST_F(MetricsTest, AnUnknownIceFailureCountsAsOther) {
    auto ada = api().create_room("Ada");
    auto ada_ws = join(ada);
    for (const char* reason : {"made-up-1", "made-up-2", "made-up-3"}) {
        ada_ws->send("call:report", {{"callId", "00000000-0000-4000-8000-000000000001"},
                                     {"peerId", "00000000-0000-4000-8000-000000000002"},
                                     {"path", "direct"},
                                     {"iceFailure", reason}});
    }
    // call:report has no reply: a frame after them is answered once they were handled.
    ada_ws->send("call:join", {{"callId", "00000000-0000-4000-8000-000000000003"}});
    ASSERT_TRUE(ada_ws->next_of_type("error"));
    auto scraped = scrape();
    EXPECT_EQ(series_value(scraped, R"(parlor_ice_failures_total{reason="other"})"), 3);
    EXPECT_EQ(scraped.find("made-up"), std::string::npos);
}

}  // namespace
}  // namespace parlor::itest
