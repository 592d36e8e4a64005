// api/: the router (404, 405 with Allow, HEAD, errors into the protocol's replies), the
// request readers' validation errors, and the replies.

#include <gtest/gtest.h>

#include "api/request.hpp"
#include "api/response.hpp"
#include "api/router.hpp"
#include "common/error.hpp"

namespace parlor::api {
namespace {

// How a call failed: the protocol code and the message the client reads.
struct refusal {
    error_code code = error_code::internal;
    std::string message;
};

refusal failure_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const error& e) {
        return {e.code(), e.what()};
    }
    ADD_FAILURE() << "the call succeeded";
    return {};
}

request make_request(http::verb method, std::string target, std::string body = {}) {
    request req{method, target, 11};
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

// The reply the router gives, run to completion on an io_context of its own.
response dispatch(const router& routes, const request& req,
                  std::vector<std::string>* params = nullptr) {
    request_context ctx{req, "127.0.0.1", "127.0.0.1", "request-1", {}};
    asio::io_context io;
    std::optional<response> reply;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { reply = co_await routes.dispatch(ctx); },
        asio::detached);
    io.run();
    if (params) *params = ctx.params;
    return std::move(reply).value();
}

handler replying(std::string body) {
    return [body](request_context& ctx) -> asio::awaitable<response> {
        co_return json_response(ctx.req, http::status::ok, {{"said", body}});
    };
}

nlohmann::json body_of(const response& res) {
    return nlohmann::json::parse(res.body());
}

std::string header(const response& res, http::field name) {
    auto it = res.find(name);
    return it == res.end() ? std::string("<none>") : std::string(it->value());
}

// ---- router ----

class RouterTest : public ::testing::Test {
  protected:
    RouterTest() {
        routes.add(http::verb::get, "/api/rooms/:code/state", replying("state"));
        routes.add(http::verb::post, "/api/rooms/:code/join", replying("join"));
        routes.add(http::verb::post, "/api/rooms", replying("create"));
        routes.add(http::verb::get, "/api/rooms/:code/files", replying("list"));
        routes.add(http::verb::delete_, "/api/rooms/:code/files", replying("clear"));
    }
    router routes;
};

TEST_F(RouterTest, AnUnknownPathIs404NotFound) {
    for (std::string target : {"/api/nothing", "/api/rooms/abc", "/api/rooms/abc/state/more"}) {
        auto res = dispatch(routes, make_request(http::verb::get, target));
        EXPECT_EQ(res.result(), http::status::not_found) << target;
        EXPECT_EQ(body_of(res)["error"]["code"], "not_found") << target;
        EXPECT_EQ(header(res, http::field::content_type), "application/json");
        EXPECT_FALSE(res.count(http::field::allow)) << target;
    }
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIs405ListingTheAllowedOnes) {
    auto res = dispatch(routes, make_request(http::verb::put, "/api/rooms/abc/files"));
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(body_of(res)["error"]["code"], "method_not_allowed");
    EXPECT_EQ(header(res, http::field::allow), "GET, HEAD, DELETE");

    res = dispatch(routes, make_request(http::verb::get, "/api/rooms"));
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(header(res, http::field::allow), "POST");
}

TEST_F(RouterTest, ParametersAreTheMatchingSegmentsInOrder) {
    std::vector<std::string> params;
    auto res =
        dispatch(routes, make_request(http::verb::get, "/api/rooms/ab-cd/state?x=1"), &params);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(body_of(res)["said"], "state");
    EXPECT_EQ(params, std::vector<std::string>{"ab-cd"});
}

TEST_F(RouterTest, HeadIsGetWithoutTheBody) {
    auto get = dispatch(routes, make_request(http::verb::get, "/api/rooms/x/files"));
    auto head = dispatch(routes, make_request(http::verb::head, "/api/rooms/x/files"));
    EXPECT_EQ(head.result(), http::status::ok);
    EXPECT_TRUE(head.body().empty());
    EXPECT_EQ(header(head, http::field::content_length), std::to_string(get.body().size()));
}

TEST_F(RouterTest, AHandlersErrorBecomesTheProtocolsReply) {
    routes.add(http::verb::get, "/api/missing", [](request_context&) -> asio::awaitable<response> {
        throw error(error_code::room_not_found, "No room has code abcd-efgh-jkmn");
        co_return response{};
    });
    routes.add(http::verb::get, "/api/busy", [](request_context&) -> asio::awaitable<response> {
        throw error(error_code::rate_limited, "Slow down").with_retry_after(7);
        co_return response{};
    });
    auto res = dispatch(routes, make_request(http::verb::get, "/api/missing"));
    EXPECT_EQ(res.result(), http::status::not_found);
    EXPECT_EQ(body_of(res), (nlohmann::json{{"error",
                                             {{"code", "room_not_found"},
                                              {"message", "No room has code abcd-efgh-jkmn"}}}}));

    res = dispatch(routes, make_request(http::verb::get, "/api/busy"));
    EXPECT_EQ(res.result(), http::status::too_many_requests);
    EXPECT_EQ(body_of(res)["error"]["code"], "rate_limited");
    EXPECT_EQ(header(res, http::field::retry_after), "7");
}

TEST_F(RouterTest, AnUnexpectedFailureIs500WithoutItsDetails) {
    routes.add(http::verb::get, "/api/broken", [](request_context&) -> asio::awaitable<response> {
        throw std::runtime_error("SQLITE_CORRUPT in SELECT secret FROM members");
        co_return response{};
    });
    auto res = dispatch(routes, make_request(http::verb::get, "/api/broken"));
    EXPECT_EQ(res.result(), http::status::internal_server_error);
    EXPECT_EQ(body_of(res)["error"]["code"], "internal");
    EXPECT_EQ(res.body().find("SQLITE"), std::string::npos) << res.body();
    EXPECT_EQ(res.body().find("secret"), std::string::npos) << res.body();
}

TEST(PathSegments, SplitOnSlashesWithoutTheQueryOrFragment) {
    EXPECT_EQ(path_segments("/api/rooms/x/join?y=/z"),
              (std::vector<std::string>{"api", "rooms", "x", "join"}));
    EXPECT_EQ(path_segments("/api//rooms/#/frag"), (std::vector<std::string>{"api", "rooms"}));
    EXPECT_TRUE(path_segments("/").empty());
}

// ---- request ----

TEST(RequestBody, AJsonObjectIsRead) {
    auto body = json_object_body(make_request(http::verb::post, "/", R"({"displayName":"Ada"})"));
    EXPECT_EQ(body["displayName"], "Ada");
}

TEST(RequestBody, AnythingButAJsonObjectIsBadRequest) {
    auto read = [](std::string text) {
        return failure_of([&] { json_object_body(make_request(http::verb::post, "/", text)); });
    };
    auto broken = read("{\"displayName\":");
    EXPECT_EQ(broken.code, error_code::bad_request);
    EXPECT_EQ(broken.message, "The body is not valid JSON");
    auto array = read("[1,2]");
    EXPECT_EQ(array.code, error_code::bad_request);
    EXPECT_EQ(array.message, "The body must be a JSON object");
    EXPECT_EQ(read("").code, error_code::bad_request);  // required fields are missing
    EXPECT_EQ(read(std::string(100, '[') + std::string(100, ']')).code, error_code::bad_request);
}

TEST(RequestBody, AnEmptyBodyIsAnEmptyObjectWhereNothingIsRequired) {
    auto body =
        json_object_body(make_request(http::verb::post, "/", " \r\n"), empty_body::is_object);
    EXPECT_TRUE(body.is_object());
    EXPECT_TRUE(body.empty());
}

TEST(RequestBody, AnOptionalStringMayBeAbsentOrNullButNotAnotherType) {
    auto body = nlohmann::json::parse(R"({"name":"Ada","gone":null,"count":3})");
    EXPECT_EQ(optional_string(body, "name"), "Ada");
    EXPECT_EQ(optional_string(body, "gone"), std::nullopt);
    EXPECT_EQ(optional_string(body, "absent"), std::nullopt);
    auto wrong = failure_of([&] { optional_string(body, "count"); });
    EXPECT_EQ(wrong.code, error_code::bad_request);
    EXPECT_EQ(wrong.message, "count must be a string");
}

TEST(BearerToken, TheTokenOfABearerHeaderInAnyCase) {
    auto req = make_request(http::verb::get, "/");
    EXPECT_EQ(bearer_token(req), std::nullopt);
    req.set(http::field::authorization, "Bearer abc.def.ghi");
    EXPECT_EQ(bearer_token(req), "abc.def.ghi");
    req.set(http::field::authorization, "bEARER abc");
    EXPECT_EQ(bearer_token(req), "abc");
}

TEST(BearerToken, AnotherSchemeOrNoTokenIsUnauthorized) {
    for (std::string value : {"Basic YWRhOnB3", "Bearer ", "Bearer", "abc"}) {
        auto req = make_request(http::verb::get, "/");
        req.set(http::field::authorization, value);
        auto refused = failure_of([&] { bearer_token(req); });
        EXPECT_EQ(refused.code, error_code::unauthorized) << value;
        EXPECT_EQ(refused.message, "Send the token as Authorization: Bearer <token>") << value;
    }
}

// ---- response ----

TEST(Response, AnErrorIsTheProtocolsBodyWithItsStatus) {
    auto res = error_response(11, true, error(error_code::payload_too_large, "Too big"));
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_EQ(header(res, http::field::content_type), "application/json");
    EXPECT_EQ(header(res, http::field::cache_control), "no-store");
    EXPECT_EQ(header(res, http::field::content_length), std::to_string(res.body().size()));
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(body_of(res),
              (nlohmann::json{{"error", {{"code", "payload_too_large"}, {"message", "Too big"}}}}));
    EXPECT_FALSE(res.count(http::field::retry_after));

    res = error_response(10, false, error(error_code::unavailable, "Down"));
    EXPECT_EQ(res.result(), http::status::service_unavailable);
    EXPECT_EQ(res.version(), 10u);
    EXPECT_FALSE(res.keep_alive());
}

TEST(Response, JsonRepliesFollowTheRequestAndSurviveInvalidUtf8) {
    auto req = make_request(http::verb::post, "/api/rooms");
    req.keep_alive(false);
    auto res = json_response(req, http::status::created, {{"name", std::string("Ada\xff")}});
    EXPECT_EQ(res.result(), http::status::created);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(body_of(res)["name"], "Ada\xef\xbf\xbd");  // U+FFFD, not a thrown exception

    auto none = no_content(req);
    EXPECT_EQ(none.result(), http::status::no_content);
    EXPECT_TRUE(none.body().empty());
    EXPECT_EQ(header(none, http::field::cache_control), "no-store");
}

}  // namespace
}  // namespace parlor::api
