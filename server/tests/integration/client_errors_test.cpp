// POST /api/client-errors (protocol.md "Client error reports"): the web client's own
// errors, logged and counted, with a member's token, cut to size and rate-limited.

#include "support.hpp"

namespace parlor::itest {
namespace {

class ClientErrorsTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--metrics-address", "127.0.0.1:0"}, {"--client-errors-per-minute", "3"}};
    }
    void SetUp() override {
        parlor_test::SetUp();
        metrics_port = metrics_port_of(server());
        ada = api().create_room("Ada");
    }
    double reported() {
        auto r = request(metrics_port, "GET", "/metrics");
        return series_value(r.body, "parlor_client_errors_total").value_or(-1);
    }
    http_reply report(const nlohmann::json& body, const std::string& token) {
        header_list headers = bearer(token);
        headers.push_back({"User-Agent", "itest-browser/1.0"});
        return api().call("POST", "/api/client-errors", body.dump(), headers);
    }

    unsigned short metrics_port = 0;
    admission ada;
};

TEST_F(ClientErrorsTest, AReportIsLoggedAsOneJsonLineAndCounted) {
    EXPECT_EQ(reported(), 0);
    auto r = report({{"message", "TypeError: files is undefined"},
                     {"page", "/r/" + ada.code},
                     {"version", "0.1.0"},
                     {"stack", "at FilesPanel (FilesPanel.tsx:12)\n\"quoted\""}},
                    ada.token);
    EXPECT_EQ(r.status, 204) << r.body;

    auto line = server().wait_for_log("\"client_error\"");
    ASSERT_TRUE(line);
    auto logged = nlohmann::json::parse(line->substr(line->find('{')), nullptr, false);
    ASSERT_TRUE(logged.is_object()) << *line;
    EXPECT_EQ(logged["message"], "TypeError: files is undefined");
    EXPECT_EQ(logged["page"], "/r/" + ada.code);
    EXPECT_EQ(logged["version"], "0.1.0");
    EXPECT_EQ(logged["stack"], "at FilesPanel (FilesPanel.tsx:12)\n\"quoted\"");
    EXPECT_EQ(logged["room"], ada.room_id);
    EXPECT_EQ(logged["member"], ada.member_id);
    EXPECT_EQ(logged["userAgent"], "itest-browser/1.0");
    EXPECT_EQ(reported(), 1);
}

TEST_F(ClientErrorsTest, LongFieldsAreCutNotRefused) {
    std::string long_message(3000, 'x');
    auto r = report({{"message", long_message}, {"page", "/"}, {"version", std::string(100, 'v')}},
                    ada.token);
    EXPECT_EQ(r.status, 204) << r.body;
    auto line = server().wait_for_log("\"client_error\"");
    ASSERT_TRUE(line);
    auto logged = nlohmann::json::parse(line->substr(line->find('{')));
    EXPECT_EQ(logged["message"].get<std::string>().size(), 1000u);
    EXPECT_EQ(logged["version"].get<std::string>().size(), 64u);
    EXPECT_FALSE(logged.contains("stack"));
}

TEST_F(ClientErrorsTest, BadReportsAreRefusedWithTheirCodes) {
    nlohmann::json good = {{"message", "boom"}, {"page", "/"}, {"version", "1"}};
    EXPECT_TRUE(
        is_error(api().call("POST", "/api/client-errors", good.dump()), 401, "unauthorized"));
    EXPECT_TRUE(is_error(report(good, "not-a-token"), 401, "unauthorized"));
    EXPECT_TRUE(is_error(report({{"page", "/"}, {"version", "1"}}, ada.token), 400, "bad_request"));
    EXPECT_TRUE(is_error(report({{"message", ""}, {"page", "/"}, {"version", "1"}}, ada.token), 400,
                         "bad_request"));
    EXPECT_TRUE(is_error(report({{"message", 5}, {"page", "/"}, {"version", "1"}}, ada.token), 400,
                         "bad_request"));
    nlohmann::json huge = good;
    huge["stack"] = std::string(20 * 1024, 's');
    EXPECT_TRUE(is_error(report(huge, ada.token), 413, "payload_too_large"));
    EXPECT_EQ(reported(), 0);

    // A member who was removed is told so.
    auto grace = api().join_room(ada.code, "Grace");
    api().leave(grace.code, bearer(grace.token));
    EXPECT_TRUE(is_error(report(good, grace.token), 401, "unauthorized"));
}

TEST_F(ClientErrorsTest, OneMembersReportsAreRateLimited) {
    nlohmann::json good = {{"message", "loop"}, {"page", "/"}, {"version", "1"}};
    for (int i = 0; i < 3; ++i) EXPECT_EQ(report(good, ada.token).status, 204);
    auto refused = report(good, ada.token);
    EXPECT_TRUE(is_error(refused, 429, "rate_limited"));
    EXPECT_TRUE(refused.header("Retry-After").has_value());
    // Another member has their own allowance.
    auto grace = api().join_room(ada.code, "Grace");
    EXPECT_EQ(report(good, grace.token).status, 204);
    EXPECT_EQ(reported(), 4);
}

}  // namespace
}  // namespace parlor::itest
