// What hostile or broken clients can send, and what every response carries: no input
// crashes or wedges the server; static files never leak what lies outside the static dir.

#include <array>
#include <fstream>
#include <random>
#include <set>

#include "support.hpp"

namespace parlor::itest {
namespace {

std::string raw_post(std::string_view target, std::string_view body,
                     std::string_view extra_headers = {}) {
    return "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

bool is_valid_json(const std::string& text) {
    return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

using RobustnessTest = parlor_test;

// ---- JSON bodies ----

TEST_F(RobustnessTest, EveryTruncationOfABodyIsABadRequest) {
    const std::string body = R"({"displayName": "Ad\u00e8le \"Ada\" Lovelace", "x": [1, 2.5e3]})";
    for (std::size_t length = 0; length < body.size(); ++length) {
        SCOPED_TRACE(body.substr(0, length));
        EXPECT_TRUE(is_error(api().create(body.substr(0, length)), 400, "bad_request"));
    }
    EXPECT_EQ(api().create(body).status, 201);
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, DeeplyNestedJsonIsRefusedCalmly) {
    auto ada = api().create_room();
    const std::size_t depth = 30'000;  // 60 KB: under the 64 KiB body limit
    std::string arrays = std::string(depth, '[') + std::string(depth, ']');
    std::string unclosed = std::string(2 * depth, '[');
    std::string objects;
    for (int i = 0; i < 7'000; ++i) objects += R"({"a":)";
    objects += "1" + std::string(7'000, '}');
    std::string in_name =
        R"({"displayName":)" + std::string(depth, '[') + std::string(depth, ']') + "}";

    for (const auto* body : {&arrays, &unclosed, &objects, &in_name}) {
        SCOPED_TRACE(body->substr(0, 30));
        EXPECT_TRUE(is_error(api().create(*body), 400, "bad_request"));
        EXPECT_TRUE(is_error(api().join(ada.code, *body), 400, "bad_request"));
        EXPECT_TRUE(still_serving());
    }
}

TEST_F(RobustnessTest, OddJsonValuesAreBadRequests) {
    for (const char* body : {R"({"displayName": 1e999999})", R"({"displayName": -0})",
                             R"({"displayName": 123456789012345678901234567890})",
                             R"({"displayName": "\ud800"})", R"({"displayName": "\udc00\ud800"})",
                             R"({"displayName": "\u00"})", R"({"displayName": "Ada\x"})",
                             R"({"displayName": NaN})", R"({"displayName": undefined})"}) {
        SCOPED_TRACE(body);
        EXPECT_TRUE(is_error(api().create(body), 400, "bad_request"));
    }
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, InvalidUtf8IsRefusedWithValidJson) {
    auto ada = api().create_room();
    for (std::string bad : {std::string("Ada\xff"), std::string("\xc0\xaf"),  // overlong '/'
                            std::string("\xed\xa0\x80"),                      // a surrogate
                            std::string("Ada\xe2\x82"),                       // cut short
                            std::string("\xf4\x90\x80\x80"),                  // past U+10FFFF
                            std::string("\x80\x80")}) {
        SCOPED_TRACE(::testing::PrintToString(bad));
        std::string body = R"({"displayName": ")" + bad + R"("})";
        for (const auto& r : {api().create(body), api().join(ada.code, body),
                              api().join(ada.code, body, bearer(ada.token))}) {
            EXPECT_EQ(r.status, 400) << r.body;
            ASSERT_TRUE(is_valid_json(r.body)) << r.body;
            auto code = r.json()["error"]["code"];
            EXPECT_TRUE(code == "bad_request" || code == "invalid_display_name") << code;
        }
    }
    // Invalid UTF-8 in the path and in headers, too.
    EXPECT_TRUE(is_error(api().join("\xff\xfe\xfd", name_body("Ada")), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().state(ada.code, {{"Authorization", "Bearer \xff\xfe"}}), 401,
                         "unauthorized"));
    auto r = api().call("GET", "/api/\xc3\x28\xff");
    EXPECT_TRUE(is_error(r, 404, "not_found"));
    EXPECT_TRUE(still_serving());
    EXPECT_EQ(api().room_state(ada)["members"].size(), 1u);
}

// ---- sizes ----

TEST_F(RobustnessTest, ATenMiBBodyIs413) {
    std::string body(10 * 1024 * 1024, 'a');

    auto exchange = send_raw(port(), raw_post("/api/rooms", body), 20s);

    auto reply = exchange.first_reply();
    ASSERT_TRUE(reply.has_value()) << "no response; got: " << exchange.received.substr(0, 200);
    EXPECT_TRUE(is_error(*reply, 413, "payload_too_large"));
    EXPECT_EQ(reply->header("X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(exchange.closed_by_peer);
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, AChunkedBodyPastTheLimitIs413) {
    std::string request =
        "POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    std::string chunk(64 * 1024, 'a');
    for (int i = 0; i < 32; ++i)  // 2 MiB in 64 KiB chunks
        request += "10000\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";

    auto exchange = send_raw(port(), request, 20s);

    auto reply = exchange.first_reply();
    ASSERT_TRUE(reply.has_value()) << "no response; got: " << exchange.received.substr(0, 200);
    EXPECT_TRUE(is_error(*reply, 413, "payload_too_large"));
    EXPECT_TRUE(still_serving());
}

// --max-json-body (64 KiB by default) bounds every body, also one sent with Content-Length.
TEST_F(RobustnessTest, ABodyOverTheJsonLimitIs413AndOneUnderItIsRead) {
    std::string under = name_body(std::string(60 * 1024, 'a'));
    std::string over = name_body(std::string(64 * 1024, 'a'));
    ASSERT_LT(under.size(), 64u * 1024);
    ASSERT_GT(over.size(), 64u * 1024);

    EXPECT_TRUE(is_error(api().create(under), 400, "invalid_display_name"));  // read, judged
    auto exchange = send_raw(port(), raw_post("/api/rooms", over, "Connection: close\r\n"));
    auto reply = exchange.first_reply();
    ASSERT_TRUE(reply.has_value()) << "no response; got: " << exchange.received.substr(0, 200);
    EXPECT_TRUE(is_error(*reply, 413, "payload_too_large"));
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, HundredKiBOfHeadersAreRefused) {
    std::string many = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 1000; ++i)
        many += "X-Filler-" + std::to_string(i) + ": " + std::string(90, 'x') + "\r\n";
    many += "\r\n";
    std::string one_big =
        "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(100 * 1024, 'x') +
        "\r\n\r\n";

    for (const auto* request : {&many, &one_big}) {
        auto exchange = send_raw(port(), *request, 10s);
        auto reply = exchange.first_reply();
        ASSERT_TRUE(reply.has_value()) << exchange.received.substr(0, 200);
        EXPECT_TRUE(reply->status == 431 || reply->status == 400) << reply->status;
        EXPECT_TRUE(is_valid_json(reply->body)) << reply->body;
        EXPECT_TRUE(exchange.closed_by_peer);
        EXPECT_TRUE(still_serving());
    }
}

TEST_F(RobustnessTest, AHugeRequestTargetIsRefused) {
    std::string request = "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n";

    auto exchange = send_raw(port(), request, 10s);

    auto reply = exchange.first_reply();
    ASSERT_TRUE(reply.has_value()) << exchange.received.substr(0, 200);
    EXPECT_TRUE(reply->status == 414 || reply->status == 431 || reply->status == 400)
        << reply->status;
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, LongButAcceptableTargetsAreAnswered) {
    std::string long_segment(8 * 1024, 'z');

    EXPECT_TRUE(is_error(api().join(long_segment, name_body("Ada")), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().call("GET", "/api/" + long_segment), 404, "not_found"));
    auto page = api().call("GET", "/" + long_segment);  // a client route: the app answers
    EXPECT_EQ(page.status, 200);
    EXPECT_TRUE(still_serving());
}

// ---- not HTTP at all ----

TEST_F(RobustnessTest, GarbageInsteadOfHttpIsDroppedAndTheServerLivesOn) {
    std::mt19937 random(20261125);
    std::string noise(64 * 1024, '\0');
    for (auto& c : noise) c = static_cast<char>(random() & 0xff);
    const std::pair<const char*, std::string> inputs[] = {
        {"random bytes", noise},
        {"NUL bytes", std::string(4096, '\0')},
        {"a TLS ClientHello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) +
                                  std::string(500, '\x01')},
        {"a bare line", "HELLO\r\n\r\n"},
        {"no version", "GET /api/health\r\n\r\n"},
        {"HTTP/9.9", "GET /api/health HTTP/9.9\r\n\r\n"},
        {"space in method", "G ET /api/health HTTP/1.1\r\n\r\n"},
        {"bad header line", "GET /api/health HTTP/1.1\r\nNo colon here\r\n\r\n"},
        {"bad Content-Length", "POST /api/rooms HTTP/1.1\r\nContent-Length: -5\r\n\r\n"},
        {"two Content-Lengths",
         "POST /api/rooms HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}"},
        {"Content-Length and chunked",
         "POST /api/rooms HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\n"},
        {"bad chunk size", "POST /api/rooms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
        {"LF only", "GET /api/health HTTP/1.1\nHost: x\n\n"},
        {"header folding", "GET /api/health HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n"},
        {"a body shorter than announced",
         "POST /api/rooms HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"displayName\""},
        {"half a request line", "GET /api/hea"},
    };
    for (const auto& [what, bytes] : inputs) {
        SCOPED_TRACE(what);
        // We half-close after writing: a server waiting for more must notice the end.
        auto exchange = send_raw(port(), bytes, 10s, /*then_half_close=*/true);
        EXPECT_TRUE(exchange.closed_by_peer) << "the connection stayed open";
        for (const auto& reply : parse_replies(exchange.received)) {
            EXPECT_TRUE(reply.status == 200 || (reply.status >= 400 && reply.status < 500))
                << reply.status << " " << reply.body;
        }
        ASSERT_TRUE(still_serving());
    }
}

TEST_F(RobustnessTest, AClientThatVanishesMidRequestHurtsNobody) {
    {
        http_connection half(port());
        half.write_raw(
            "POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"displayNa");
    }  // closed with the body unfinished
    {
        http_connection headers_only(port());
        headers_only.write_raw("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Unfinished: ye");
    }
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, ASlowClientDoesNotHoldUpOthers) {
    http_connection slow(port());
    slow.write_raw("POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"disp");

    // While that request waits for the rest of its body, others are served.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(api().create_room().display_name, "Ada");

    slow.write_raw("layName\": \"Slow\"}                      ");
    auto reply = slow.read_reply();
    EXPECT_EQ(reply.status, 201) << reply.body;
    EXPECT_TRUE(still_serving());
}

// From one address the per-IP limit would turn most of them away (connection_limits_test);
// here they all stay open.
class ManyConnectionsTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--max-connections-per-ip", "0"}};
    }
};

TEST_F(ManyConnectionsTest, ManyIdleConnectionsDoNotStopService) {
    std::vector<std::unique_ptr<http_connection>> idle;
    for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<http_connection>(port()));

    EXPECT_TRUE(still_serving());
    EXPECT_EQ(api().create_room().display_name, "Ada");
}

// ---- routes and methods ----

TEST_F(RobustnessTest, UnknownApiRoutesAre404Json) {
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/api"},
                                                          {"GET", "/api/"},
                                                          {"GET", "/api/nope"},
                                                          {"POST", "/api/nope"},
                                                          {"GET", "/api/rooms/abcd-efgh-jkmn"},
                                                          {"POST", "/api/rooms/abcd-efgh-jkmn/x"},
                                                          {"GET", "/api/rooms/a/state/extra"},
                                                          {"GET", "/api/health/"},
                                                          {"GET", "/api/HEALTH"},
                                                          {"DELETE", "/api/files/1"}}) {
        SCOPED_TRACE(method + " " + target);
        auto r = api().call(method, target);
        // "/api/health/" may be read as "/api/health"; anything else is unknown.
        if (target == "/api/health/" && r.status == 200) continue;
        EXPECT_TRUE(is_error(r, 404, "not_found"));
    }
    // The socket endpoint answers plain HTTP with 426 and says why.
    auto plain = api().call("GET", "/ws");
    EXPECT_EQ(plain.status, 426);
    EXPECT_TRUE(plain.json()["error"]["code"] == "bad_request") << plain.body;
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, WrongMethodsAre405Json) {
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/rooms"},
             {"PUT", "/api/rooms"},
             {"DELETE", "/api/rooms"},
             {"POST", "/api/health"},
             {"PATCH", "/api/health"},
             {"GET", "/api/rooms/abcd-efgh-jkmn/join"},
             {"GET", "/api/rooms/abcd-efgh-jkmn/leave"},
             {"POST", "/api/rooms/abcd-efgh-jkmn/state"},
             {"DELETE", "/api/rooms/abcd-efgh-jkmn/state"},
             {"BREW", "/api/health"}}) {
        SCOPED_TRACE(method + " " + target);
        EXPECT_TRUE(is_error(api().call(method, target), 405, "method_not_allowed"));
    }
    EXPECT_TRUE(still_serving());
}

// ---- connections ----

TEST_F(RobustnessTest, ManyPipelinedRequestsAreAnsweredInOrder) {
    http_connection connection(port());
    std::string batch;
    const int count = 100;
    for (int i = 0; i < count; ++i) {
        if (i % 2 == 0) {
            batch += "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
        } else {
            batch += raw_post("/api/rooms", name_body("Guest " + std::to_string(i)));
        }
    }
    connection.write_raw(batch);

    std::set<std::string> request_ids;
    for (int i = 0; i < count; ++i) {
        SCOPED_TRACE(i);
        auto reply = connection.read_reply(i % 2 == 0 ? "GET" : "POST");
        if (i % 2 == 0) {
            EXPECT_EQ(reply.status, 200);
        } else {
            ASSERT_EQ(reply.status, 201) << reply.body;
            EXPECT_EQ(reply.json()["member"]["displayName"], "Guest " + std::to_string(i));
        }
        request_ids.insert(reply.header("X-Request-Id").value_or(""));
    }
    EXPECT_EQ(request_ids.size(), static_cast<std::size_t>(count));
    EXPECT_TRUE(still_serving());
}

TEST_F(RobustnessTest, KeepAliveServesManyRequestsOnOneConnection) {
    http_connection connection(port());
    auto ada = admission_from(connection.request("POST", "/api/rooms", name_body("Ada")), 201);
    for (int i = 0; i < 20; ++i) {
        auto r =
            connection.request("GET", "/api/rooms/" + ada.code + "/state", {}, bearer(ada.token));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_TRUE(r.keep_alive);
    }
    // An error does not end the connection either.
    EXPECT_TRUE(is_error(connection.request("GET", "/api/nope"), 404, "not_found"));
    EXPECT_EQ(connection.request("GET", "/api/health").status, 200);
}

TEST_F(RobustnessTest, ConnectionCloseIsHonoured) {
    http_connection connection(port());
    auto r = connection.request("GET", "/api/health", {}, {{"Connection", "close"}});

    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.keep_alive);
    EXPECT_TRUE(connection.closed_by_peer(5s));
}

TEST_F(RobustnessTest, Http10IsAnswered) {
    auto exchange = send_raw(port(), "GET /api/health HTTP/1.0\r\n\r\n", 10s);

    auto reply = exchange.first_reply();
    ASSERT_TRUE(reply.has_value()) << exchange.received;
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(exchange.closed_by_peer);  // no keep-alive asked for
}

// ---- static files ----

class StaticFilesTest : public parlor_test {
  protected:
    std::string file(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::string index_html() { return file(server().static_dir() / "index.html"); }
};

TEST_F(StaticFilesTest, TheRootServesTheApp) {
    auto r = api().call("GET", "/");

    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("text/html"));
    EXPECT_EQ(r.body, index_html());
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToTheApp) {
    for (const char* target : {"/r/abcd-efgh-jkmn", "/r/abcd-efgh-jkmn?join=1", "/r/ABCD",
                               "/some/deep/client/route", "/index.html"}) {
        SCOPED_TRACE(target);
        auto r = api().call("GET", target);
        ASSERT_EQ(r.status, 200);
        EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("text/html"));
        EXPECT_EQ(r.body, index_html());
    }
}

TEST_F(StaticFilesTest, AssetsAreServedWithTheirType) {
    auto r = api().call("GET", "/assets/app.js");

    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("text/javascript"));
    EXPECT_EQ(r.body, file(server().static_dir() / "assets" / "app.js"));
    EXPECT_NE(r.header("Cache-Control").value_or("").find("immutable"), std::string::npos);
}

TEST_F(StaticFilesTest, AMissingAssetIs404NotTheApp) {
    for (const char* target :
         {"/assets/x.js", "/assets/", "/assets/app.js.map", "/assets/a/b.css"}) {
        SCOPED_TRACE(target);
        auto r = api().call("GET", target);
        EXPECT_EQ(r.status, 404);
        EXPECT_EQ(r.body.find("parlor-test-index"), std::string::npos);
    }
}

TEST_F(StaticFilesTest, HeadGivesTheHeadersOnly) {
    http_connection connection(port());
    auto r = connection.request("HEAD", "/");

    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("Content-Length"), std::to_string(index_html().size()));
    EXPECT_EQ(connection.request("GET", "/assets/app.js").status, 200);  // still in step
}

TEST_F(StaticFilesTest, OtherMethodsAre405) {
    for (const char* method : {"POST", "PUT", "DELETE"}) {
        SCOPED_TRACE(method);
        EXPECT_TRUE(is_error(api().call(method, "/"), 405, "method_not_allowed"));
        EXPECT_TRUE(is_error(api().call(method, "/assets/app.js"), 405, "method_not_allowed"));
    }
}

TEST_F(StaticFilesTest, PathTraversalNeverLeavesTheStaticDir) {
    const std::string marker = "TOP-SECRET-6f1d0c";
    std::ofstream(server().root() / "secret.txt") << marker << "\n";
    auto token_secret = file(server().data_dir() / "token-secret");
    ASSERT_GE(token_secret.size(), 32u);
    std::string trimmed_secret = token_secret.substr(0, 32);

    for (const char* target : {
             "/../secret.txt",
             "/../../etc/passwd",
             "/../../../../../../../../etc/passwd",
             "/%2e%2e/%2e%2e/etc/passwd",
             "/%2e%2e/secret.txt",
             "/%2E%2E/secret.txt",
             "/.%2e/secret.txt",
             "/assets/../../secret.txt",
             "/assets/%2e%2e/%2e%2e/secret.txt",
             "/assets/..%2f..%2fsecret.txt",
             "/..%2fsecret.txt",
             "/%2e%2e%2fsecret.txt",
             "/..%5csecret.txt",
             "/assets/..%5c..%5csecret.txt",
             "/%252e%252e/secret.txt",
             "/..%00/secret.txt",
             "/secret.txt%00.html",
             "/....//secret.txt",
             "/./../secret.txt",
             "/../data/token-secret",
             "/%2e%2e/data/token-secret",
             "/assets/%2e%2e/%2e%2e/data/token-secret",
             "//etc/passwd",
             "/etc/passwd",
             "/proc/self/environ",
             "/%2fetc%2fpasswd",
             "/assets/%2fetc%2fpasswd",
         }) {
        SCOPED_TRACE(target);
        auto r = api().call("GET", target);
        EXPECT_EQ(r.body.find(marker), std::string::npos);
        EXPECT_EQ(r.body.find("root:"), std::string::npos);
        EXPECT_EQ(r.body.find(trimmed_secret), std::string::npos);
        EXPECT_EQ(r.body.find("PATH="), std::string::npos);
        // Either refused, or the app itself for what looks like a client route.
        if (r.status == 200) {
            EXPECT_EQ(r.body, index_html());
        } else {
            EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status;
        }
    }
    EXPECT_TRUE(still_serving());
}

// ---- headers on every response ----

class SecurityHeadersTest : public parlor_test {
  protected:
    void expect_common_headers(const http_reply& r) {
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
        EXPECT_TRUE(r.header("Content-Security-Policy").has_value());
        EXPECT_NE(r.header("Content-Security-Policy").value_or("").find("frame-ancestors 'none'"),
                  std::string::npos);
        EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
        EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
        ASSERT_TRUE(r.header("X-Request-Id").has_value());
        EXPECT_FALSE(r.header("X-Request-Id")->empty());
    }
};

TEST_F(SecurityHeadersTest, ApiResponsesCarryThem) {
    auto ada = api().create_room();
    for (const auto& r :
         {api().health(), api().create(name_body("Grace")),
          api().state(ada.code, bearer(ada.token)), api().join(ada.code, name_body("Linus")),
          api().call("GET", "/api/nope"), api().create("{"), api().state(ada.code, {}),
          api().call("DELETE", "/api/rooms")}) {
        SCOPED_TRACE(std::to_string(r.status) + " " + r.body.substr(0, 60));
        expect_common_headers(r);
        EXPECT_EQ(r.header("Content-Security-Policy"),
                  "default-src 'none'; frame-ancestors 'none'");
    }
    auto left = api().leave(ada.code, bearer(ada.token));
    EXPECT_EQ(left.status, 204);
    expect_common_headers(left);
}

TEST_F(SecurityHeadersTest, StaticResponsesCarryThem) {
    auto page = api().call("GET", "/r/abcd-efgh-jkmn");
    expect_common_headers(page);
    auto policy = page.header("Content-Security-Policy").value_or("");
    EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-eval"), std::string::npos) << policy;
    EXPECT_TRUE(page.header("Permissions-Policy").has_value());

    expect_common_headers(api().call("GET", "/assets/app.js"));
    expect_common_headers(api().call("GET", "/assets/missing.js"));
    expect_common_headers(api().call("GET", "/%2e%2e/x"));
}

}  // namespace
}  // namespace parlor::itest
