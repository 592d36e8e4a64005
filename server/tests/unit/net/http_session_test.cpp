// net/: the listener and its connections (http_session) as a client on 127.0.0.1 sees
// them, the local store's signed links (blob_transfer) through them, and static_files.

#include "net/http_session.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <fstream>
#include <optional>
#include <sstream>

#include "api/response.hpp"
#include "common/crypto.hpp"
#include "net/listener.hpp"
#include "net/security_headers.hpp"
#include "net/static_files.hpp"
#include "support/loopback.hpp"

namespace parlor::net {
namespace {

using testing::run_until;
using namespace std::chrono_literals;
using reply = http::response<http::string_body>;

std::string header(const reply& res, std::string_view name) {
    auto it = res.find(beast::string_view(name.data(), name.size()));
    return it == res.end() ? std::string("<none>") : std::string(it->value());
}

// One client connection, driven on the test's io_context.
class client {
  public:
    client(asio::io_context& io, const tcp::endpoint& server) : io_(io), socket_(io) {
        socket_.connect(server);
    }

    void write(std::string raw) {
        auto bytes = std::make_shared<std::string>(std::move(raw));
        std::optional<beast::error_code> wrote;
        asio::async_write(socket_, asio::buffer(*bytes),
                          [bytes, &wrote](beast::error_code ec, std::size_t) { wrote = ec; });
        run_until(io_, [&] { return wrote.has_value(); });
    }
    // The next response (of a request to `method`); nullopt when the connection ended or
    // nothing came within 5 s.
    std::optional<reply> read(http::verb method = http::verb::get) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.skip(method == http::verb::head);
        std::optional<beast::error_code> done;
        http::async_read(socket_, buffer_, parser,
                         [&done](beast::error_code ec, std::size_t) { done = ec; });
        if (!run_until(io_, [&] { return done.has_value(); })) {
            socket_.cancel();
            run_until(io_, [&] { return done.has_value(); });
            return std::nullopt;
        }
        if (*done) return std::nullopt;
        return parser.release();
    }
    std::optional<reply> request(std::string raw, http::verb method = http::verb::get) {
        write(std::move(raw));
        return read(method);
    }
    // Whether the server ends the connection (within 10 s) with no more bytes.
    bool ends_quietly() {
        std::array<char, 256> chunk;
        std::optional<beast::error_code> got;
        std::size_t bytes = buffer_.size();
        std::function<void()> next = [&] {
            socket_.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
                bytes += n;
                if (ec) {
                    got = ec;
                    return;
                }
                next();
            });
        };
        next();
        if (!run_until(
                io_, [&] { return got.has_value(); }, 10s)) {
            socket_.cancel();
            run_until(io_, [&] { return got.has_value(); });
            return false;
        }
        return bytes == 0;
    }

  private:
    asio::io_context& io_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
};

std::string get(std::string_view target, std::string_view extra_headers = {}) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: parlor.test\r\n" +
           std::string(extra_headers) + "\r\n";
}

// The server's log while it lives, as an operator reads it: one JSON line per request.
class captured_log {
  public:
    captured_log() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        sink->set_pattern("%v");
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
    }
    ~captured_log() { spdlog::set_default_logger(previous_); }

    // The lines of {"event":"request"}, in order.
    std::vector<nlohmann::json> requests() const {
        std::vector<nlohmann::json> found;
        std::istringstream lines(text_.str());
        for (std::string line; std::getline(lines, line);) {
            auto entry = nlohmann::json::parse(line, nullptr, false);
            if (entry.is_object() && entry.value("event", "") == "request") {
                found.push_back(std::move(entry));
            }
        }
        return found;
    }

  private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream text_;
};

// A listener on 127.0.0.1:0 over the real pieces: a router with a few routes of its own,
// the web client in a temporary directory, the local file store and the realtime half.
class HttpEdgeTest : public ::testing::Test {
  protected:
    HttpEdgeTest() {
        std::filesystem::create_directories(parts.dir.path() / "web" / "assets");
        std::ofstream(parts.dir.path() / "web" / "index.html") << "<!doctype html><p>Parlor</p>";
        std::ofstream(parts.dir.path() / "web" / "assets" / "app-1234.js") << "run();";
        routes.add(http::verb::get, "/api/echo",
                   [](api::request_context& ctx) -> asio::awaitable<api::response> {
                       co_return api::json_response(
                           ctx.req, http::status::ok,
                           {{"clientIp", ctx.client_ip}, {"requestId", ctx.request_id}});
                   });
        routes.add(http::verb::post, "/api/echo",
                   [](api::request_context& ctx) -> asio::awaitable<api::response> {
                       co_return api::json_response(ctx.req, http::status::ok,
                                                    {{"bytes", ctx.req.body().size()}});
                   });
        // Answers when the test lets it: a request being served.
        routes.add(http::verb::get, "/api/slow",
                   [this](api::request_context& ctx) -> asio::awaitable<api::response> {
                       slow_started = true;
                       beast::error_code ignored;
                       co_await release_slow.async_wait(
                           asio::redirect_error(asio::use_awaitable, ignored));
                       co_return api::json_response(ctx.req, http::status::ok, {{"slow", true}});
                   });
        release_slow.expires_at(std::chrono::steady_clock::time_point::max());
    }
    // The connections still open end here, while their registry (in the listener) exists.
    ~HttpEdgeTest() override {
        release_slow.cancel();
        if (!server) return;
        server->stop();
        EXPECT_TRUE(run_until(parts.io, [&] { return server->open_connections() == 0; }));
    }

    // Starts listening, with `adjust` changing the handlers first.
    void listen(std::function<void(http_handlers&)> adjust = {}, std::size_t max_connections = 100,
                std::size_t max_per_client = 0) {
        handlers.emplace(http_handlers{routes,
                                       web_client,
                                       parts.service,
                                       {"http://parlor.test"},
                                       1024,
                                       &blobs,
                                       [this](std::string_view) { return upload_wanted; },
                                       parts.blocking,
                                       trusted_proxies::parse({}),
                                       10s});
        if (adjust) adjust(*handlers);
        limits.emplace(max_connections, max_per_client);
        server.emplace(parts.io, tcp::endpoint(asio::ip::address_v4::loopback(), 0), *handlers,
                       *limits);
        server->start();
    }
    client connect() { return client(parts.io, server->local_endpoint()); }

    testing::realtime_parts parts;
    api::router routes;
    static_files web_client{parts.dir.path() / "web"};
    blobs::local_blob_store blobs{parts.dir.path() / "files", std::string(32, 'k'), parts.clock};
    bool upload_wanted = true;
    bool slow_started = false;
    asio::steady_timer release_slow{parts.io};
    std::optional<http_handlers> handlers;
    std::optional<connection_limiter> limits;
    std::optional<listener> server;
};

// ---- serving ----

TEST_F(HttpEdgeTest, ServesSeveralApiRequestsOnOneConnectionWithTheirOwnIds) {
    listen();
    auto conn = connect();
    auto first = conn.request(get("/api/echo"));
    auto second = conn.request(get("/api/echo"));
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->result(), http::status::ok);
    EXPECT_EQ(second->result(), http::status::ok);
    auto id = header(*first, "X-Request-Id");
    EXPECT_EQ(id.size(), 16u);
    EXPECT_NE(id, header(*second, "X-Request-Id"));
    EXPECT_EQ(nlohmann::json::parse(first->body())["requestId"], id);
    EXPECT_EQ(nlohmann::json::parse(first->body())["clientIp"], "127.0.0.1");
    // The API's security headers.
    EXPECT_EQ(header(*first, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(*first, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(*first, "Content-Security-Policy"),
              "default-src 'none'; frame-ancestors 'none'");
}

TEST_F(HttpEdgeTest, PagesComeFromTheWebClientAndUnknownApiRoutesAre404) {
    listen();
    auto conn = connect();
    auto page = conn.request(get("/r/abcd-efgh-jkmn"));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->result(), http::status::ok);
    EXPECT_EQ(page->body(), "<!doctype html><p>Parlor</p>");
    EXPECT_EQ(header(*page, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(header(*page, "X-Request-Id"), "<none>");

    auto missing = conn.request(get("/api/nothing"));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->result(), http::status::not_found);
    EXPECT_EQ(nlohmann::json::parse(missing->body())["error"]["code"], "not_found");
}

TEST_F(HttpEdgeTest, HttpOneZeroAndConnectionCloseEndTheConnectionAfterTheReply) {
    listen();
    auto old = connect();
    auto res = old.request("GET /api/echo HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
    EXPECT_TRUE(old.ends_quietly());

    auto closing = connect();
    res = closing.request(get("/api/echo", "Connection: close\r\n"));
    ASSERT_TRUE(res);
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(closing.ends_quietly());
}

// ---- requests refused at the edge ----

TEST_F(HttpEdgeTest, AJsonBodyOverTheLimitIs413AndTheConnectionCloses) {
    listen();  // 1024 bytes
    auto conn = connect();
    auto fits = conn.request("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" +
                             std::string(1024, ' '));
    ASSERT_TRUE(fits);
    EXPECT_EQ(nlohmann::json::parse(fits->body())["bytes"], 1024);

    auto res = conn.request("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n" +
                            std::string(1025, ' '));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::payload_too_large);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "payload_too_large");
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["message"],
              "The request body is too large");
    EXPECT_TRUE(conn.ends_quietly());
}

TEST_F(HttpEdgeTest, AChunkedBodyOverTheLimitIs413) {
    listen();
    auto conn = connect();
    auto res = conn.request(
        "POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "400\r\n" +
        std::string(1024, ' ') + "\r\n10\r\n" + std::string(16, ' ') + "\r\n0\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::payload_too_large);
}

TEST_F(HttpEdgeTest, HeadersOver16KiBAre431) {
    listen();
    auto conn = connect();
    auto res = conn.request(get("/api/echo", "X-Big: " + std::string(17 * 1024, 'b') + "\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::request_header_fields_too_large);
    auto error = nlohmann::json::parse(res->body())["error"];
    EXPECT_EQ(error["code"], "bad_request");
    EXPECT_EQ(error["message"], "The request headers are too large");
}

TEST_F(HttpEdgeTest, WhatIsNotHttpIs400) {
    listen();
    auto conn = connect();
    auto res = conn.request("HELLO THERE\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::bad_request);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["message"],
              "The request is not valid HTTP");
    EXPECT_TRUE(conn.ends_quietly());
}

TEST_F(HttpEdgeTest, ATransferCodingOtherThanChunkedIs400) {
    listen();
    auto conn = connect();
    auto res = conn.request(
        "POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::bad_request);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["message"],
              "Only Transfer-Encoding: chunked is supported, and not with Content-Length");
}

TEST_F(HttpEdgeTest, AHeadThatDoesNotArriveInTimeIsCutOff) {
    listen([](http_handlers& h) { h.header_timeout = 1s; });
    auto conn = connect();
    conn.write("GET /api/echo HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
    EXPECT_TRUE(conn.ends_quietly());
}

// ---- who the client is ----

TEST_F(HttpEdgeTest, ATrustedProxyNamesTheClient) {
    listen([](http_handlers& h) { h.proxies = trusted_proxies::parse({"127.0.0.1"}); });
    auto conn = connect();
    auto res = conn.request(get("/api/echo", "X-Forwarded-For: 198.51.100.4, 203.0.113.7\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(nlohmann::json::parse(res->body())["clientIp"], "203.0.113.7");
}

TEST_F(HttpEdgeTest, AnyoneElsesForwardedForIsIgnored) {
    listen();
    auto conn = connect();
    auto res = conn.request(get("/api/echo", "X-Forwarded-For: 203.0.113.7\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(nlohmann::json::parse(res->body())["clientIp"], "127.0.0.1");
}

// ---- WebSocket upgrades ----

std::string upgrade_request(std::string_view origin_header) {
    return get("/ws",
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                   std::string(origin_header));
}

TEST_F(HttpEdgeTest, TheSocketEndpointWantsAnUpgrade) {
    listen();
    auto conn = connect();
    auto res = conn.request(get("/ws"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::upgrade_required);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "bad_request");
}

TEST_F(HttpEdgeTest, SocketsFromAnotherOriginAreRefused) {
    listen();
    auto conn = connect();
    auto res = conn.request(upgrade_request("Origin: https://evil.example\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::forbidden);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "forbidden");
    EXPECT_EQ(parts.service.open_sockets(), 0u);
}

TEST_F(HttpEdgeTest, SocketsFromAnAllowedOriginOrWithoutOneAreUpgraded) {
    listen();
    std::deque<client> sockets;
    for (std::string origin : {"Origin: http://parlor.test\r\n", ""}) {
        auto& conn = sockets.emplace_back(connect());
        auto res = conn.request(upgrade_request(origin));
        ASSERT_TRUE(res) << origin;
        EXPECT_EQ(res->result(), http::status::switching_protocols) << origin;
        EXPECT_EQ(header(*res, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
    EXPECT_TRUE(run_until(parts.io, [&] { return parts.service.open_sockets() == 2; }));
}

// ---- the listener ----

TEST_F(HttpEdgeTest, PastTheConnectionLimitNewcomersGet503AndAreClosed) {
    listen({}, 1);
    auto first = connect();
    ASSERT_TRUE(first.request(get("/api/echo")));  // admitted, and kept open
    auto second = connect();
    auto res = second.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::service_unavailable);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "unavailable");
    EXPECT_EQ(header(*res, "Retry-After"), "1");
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(second.ends_quietly());
    // The first is still served.
    EXPECT_TRUE(first.request(get("/api/echo")));
}

TEST_F(HttpEdgeTest, PastTheLimitPerClientNewcomersGet429) {
    listen({}, 100, 1);
    auto first = connect();
    ASSERT_TRUE(first.request(get("/api/echo")));
    auto second = connect();
    auto res = second.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::too_many_requests);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "rate_limited");
}

TEST_F(HttpEdgeTest, StopClosesIdleConnectionsAndLetsABusyOneFinishItsRequest) {
    listen();
    auto idle = connect();
    ASSERT_TRUE(idle.request(get("/api/echo")));
    auto busy = connect();
    busy.write(get("/api/slow"));
    ASSERT_TRUE(run_until(parts.io, [&] { return slow_started; }));
    EXPECT_EQ(server->open_connections(), 2u);

    server->stop();
    EXPECT_TRUE(idle.ends_quietly());
    release_slow.cancel();
    auto res = busy.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
    EXPECT_FALSE(res->keep_alive()) << "the reply should say Connection: close";
    EXPECT_TRUE(busy.ends_quietly());
    EXPECT_TRUE(run_until(parts.io, [&] { return server->open_connections() == 0; }));
}

// ---- the local store's signed links ----

class BlobLinkTest : public HttpEdgeTest {
  protected:
    const std::string key = "5d1b5cb4-0d55-4f0c-9c7e-1d2f3a4b5c6d";
    const std::string bytes = "hello, parlor";

    std::string upload_url() {
        return blobs
            .presign_upload(key, bytes.size(), "text/plain", sha256_hex(bytes),
                            parts.clock.now() + 60'000)
            .url;
    }
    std::string put(const std::string& url, const std::string& body) {
        return "PUT " + url +
               " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    }
};

TEST_F(BlobLinkTest, AnUploadLinkTakesItsBytesAndTheDownloadLinkGivesThemBack) {
    listen();
    auto conn = connect();
    auto stored = conn.request(put(upload_url(), bytes));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->result(), http::status::no_content);

    auto download =
        blobs.presign_download(key, {"notes.txt", "text/plain"}, parts.clock.now() + 60'000);
    auto res = conn.request(get(download.url));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
    EXPECT_EQ(res->body(), bytes);
    EXPECT_EQ(header(*res, "Content-Type"), "text/plain");
    EXPECT_EQ(header(*res, "Content-Security-Policy"), "default-src 'none'; sandbox");

    res = conn.request(get(download.url, "Range: bytes=7-12\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::partial_content);
    EXPECT_EQ(res->body(), "parlor");
}

TEST_F(BlobLinkTest, EveryTransferIsLoggedWithItsMethodPathAndStatus) {
    captured_log log;
    listen();
    auto conn = connect();
    ASSERT_TRUE(conn.request(put(upload_url(), bytes)));
    auto download =
        blobs.presign_download(key, {"notes.txt", "text/plain"}, parts.clock.now() + 60'000);
    ASSERT_TRUE(conn.request(get(download.url)));

    auto lines = log.requests();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["method"], "PUT");
    EXPECT_EQ(lines[0]["path"], "/blobs/" + key);  // never the query: it holds the signature
    EXPECT_EQ(lines[0]["status"], 204);
    EXPECT_EQ(lines[0]["bytes"], bytes.size());
    EXPECT_EQ(lines[1]["method"], "GET");
    EXPECT_EQ(lines[1]["path"], "/blobs/" + key);
    EXPECT_EQ(lines[1]["status"], 200);
}

TEST_F(BlobLinkTest, AnUploadOfAnotherLengthIs400) {
    listen();
    auto conn = connect();
    auto res = conn.request(put(upload_url(), bytes + "!"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::bad_request);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["message"],
              "This link takes exactly 13 bytes");
}

TEST_F(BlobLinkTest, ATamperedOrUnwantedLinkIs403) {
    listen();
    auto tampered = upload_url();
    tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
    auto conn = connect();
    auto res = conn.request(put(tampered, bytes));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::forbidden);

    upload_wanted = false;  // the upload was completed, refused, or its room deleted
    auto again = connect();
    res = again.request(put(upload_url(), bytes));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::forbidden);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["message"],
              "This upload link is no longer valid");
}

// ---- static files, without a socket ----

class StaticFilesServeTest : public ::testing::Test {
  protected:
    StaticFilesServeTest() {
        std::filesystem::create_directories(dir.path() / "assets");
        std::ofstream(dir.path() / "index.html") << "<!doctype html>";
        std::ofstream(dir.path() / "assets" / "app-1234.js") << "run();";
        std::ofstream(dir.path() / "robots.txt") << "User-agent: *";
    }

    static api::request request(http::verb method, std::string target) {
        return api::request{method, target, 11};
    }
    // The headers of the response, whichever body it has.
    static http::response_header<> head_of(const static_response& res) {
        return std::visit([](const auto& r) { return http::response_header<>(r.base()); }, res);
    }
    static std::string field(const static_response& res, std::string_view name) {
        auto head = head_of(res);
        auto it = head.find(beast::string_view(name.data(), name.size()));
        return it == head.end() ? std::string("<none>") : std::string(it->value());
    }
    static std::string error_code_of(const static_response& res) {
        return nlohmann::json::parse(std::get<api::response>(res).body())["error"]["code"];
    }

    testing::temp_dir dir;
    static_files files{dir.path()};
};

TEST_F(StaticFilesServeTest, ThePageIsServedForTheRootAndForClientRoutesAlwaysFresh) {
    for (std::string target : {"/", "/r/abcd-efgh-jkmn", "/index.html?x=1"}) {
        auto res = files.serve(request(http::verb::get, target));
        ASSERT_TRUE(std::holds_alternative<file_response>(res)) << target;
        EXPECT_EQ(head_of(res).result(), http::status::ok);
        EXPECT_EQ(std::get<file_response>(res).body().size(), 15u) << target;
        EXPECT_EQ(field(res, "Content-Type"), "text/html; charset=utf-8");
        EXPECT_EQ(field(res, "Cache-Control"), "no-cache");
        EXPECT_EQ(field(res, "Content-Security-Policy"), app_document_policy());
        EXPECT_NE(field(res, "Permissions-Policy"), "<none>");
    }
}

TEST_F(StaticFilesServeTest, AssetsAreImmutableAndAMissingOneIs404) {
    auto res = files.serve(request(http::verb::get, "/assets/app-1234.js"));
    EXPECT_EQ(head_of(res).result(), http::status::ok);
    EXPECT_EQ(field(res, "Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(field(res, "Cache-Control"), "public, max-age=31536000, immutable");

    res = files.serve(request(http::verb::get, "/assets/app-9999.js"));
    EXPECT_EQ(head_of(res).result(), http::status::not_found);
    EXPECT_EQ(error_code_of(res), "not_found");

    res = files.serve(request(http::verb::get, "/robots.txt"));
    EXPECT_EQ(field(res, "Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(StaticFilesServeTest, PathsThatCouldLeaveTheRootAre400) {
    for (std::string target :
         {"/..", "/assets/../../etc/passwd", "/%2e%2e/secret", "/assets%2f..%2f..%2fx", "/a%00b",
          "/a%5cb", "/bad%zzescape", "/cut%2"}) {
        auto res = files.serve(request(http::verb::get, target));
        EXPECT_EQ(head_of(res).result(), http::status::bad_request) << target;
    }
}

TEST_F(StaticFilesServeTest, OnlyGetAndHeadAreServed) {
    auto res = files.serve(request(http::verb::post, "/"));
    EXPECT_EQ(head_of(res).result(), http::status::method_not_allowed);
    EXPECT_EQ(error_code_of(res), "method_not_allowed");

    auto head = files.serve(request(http::verb::head, "/assets/app-1234.js"));
    ASSERT_TRUE(std::holds_alternative<api::response>(head));
    EXPECT_EQ(head_of(head).result(), http::status::ok);
    EXPECT_TRUE(std::get<api::response>(head).body().empty());
    EXPECT_EQ(field(head, "Content-Length"), "6");
}

TEST_F(StaticFilesServeTest, WithoutABuiltClientPagesAre404) {
    testing::temp_dir empty;
    static_files unbuilt(empty.path());
    EXPECT_FALSE(unbuilt.available());
    EXPECT_TRUE(files.available());
    auto res = unbuilt.serve(request(http::verb::get, "/"));
    EXPECT_EQ(head_of(res).result(), http::status::not_found);
}

TEST_F(StaticFilesServeTest, AFileStoreOriginMayBeReachedFromThePage) {
    static_files with_s3(dir.path(), "https://bucket.s3.example");
    auto res = with_s3.serve(request(http::verb::get, "/"));
    EXPECT_NE(
        field(res, "Content-Security-Policy").find("connect-src 'self' https://bucket.s3.example;"),
        std::string::npos)
        << field(res, "Content-Security-Policy");
}

}  // namespace
}  // namespace parlor::net
