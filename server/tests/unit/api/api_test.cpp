// api/: the router (404, 405 with Allow, HEAD, errors into the protocol's replies), the
// request readers' validation errors, the replies, and the JSON shapes of protocol.md.

#include <gtest/gtest.h>

#include "api/request.hpp"
#include "api/response.hpp"
#include "api/router.hpp"
#include "api/views.hpp"
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

// ---- views ----

constexpr millis created_at = 1'795'000'000'123;  // 2026-11-18T11:06:40.123Z

store::room_record sample_room() {
    return {"room-id", "abcdefghjkmn", created_at, "ada-id"};
}

store::file_record sample_file(std::optional<millis> completed_at) {
    store::file_record file;
    file.id = "file-id";
    file.room_id = "room-id";
    file.uploader_id = "ada-id";
    file.uploader_name = "Ada";
    file.filename = "notes.txt";
    file.mime_type = "text/plain";
    file.size_bytes = 5;
    file.sha256 = std::string(64, 'a');
    file.storage_key = "never shown";
    file.created_at = created_at;
    file.completed_at = completed_at;
    return file;
}

auth::ice_configuration sample_ice() {
    return {{{{"stun:stun.example:3478"}, std::nullopt, std::nullopt},
             {{"turn:turn.example:3478?transport=udp", "turns:turn.example:5349"},
              "1795086400:ada-id",
              "c2VjcmV0"}},
            std::chrono::seconds(86400),
            auth::ice_transport_policy::relay};
}

TEST(Views, IceServersCarryCredentialsOnlyForTurn) {
    auto servers = ice_servers_json(sample_ice());
    EXPECT_EQ(servers, nlohmann::json::parse(R"([
        {"urls":["stun:stun.example:3478"]},
        {"urls":["turn:turn.example:3478?transport=udp","turns:turn.example:5349"],
         "username":"1795086400:ada-id","credential":"c2VjcmV0"}])"));
    auto config = ice_configuration_json(sample_ice());
    EXPECT_EQ(config["iceServers"], servers);
    EXPECT_EQ(config["ttl"], 86400);
    EXPECT_EQ(config["iceTransportPolicy"], "relay");
}

TEST(Views, AnAdmissionIsTheShapeCreateAndJoinReturn) {
    rooms::admission admitted{sample_room(),
                              {"ada-id", "room-id", "Ada", created_at, std::nullopt},
                              {"the.token", created_at + 12 * 3600 * 1000}};
    auto json = admission_json(admitted, sample_ice());
    EXPECT_EQ(json["room"], nlohmann::json::parse(R"({"id":"room-id","code":"abcd-efgh-jkmn",
                                                      "createdAt":"2026-11-18T11:06:40.123Z"})"));
    EXPECT_EQ(json["member"], nlohmann::json::parse(R"({"id":"ada-id","displayName":"Ada"})"));
    EXPECT_EQ(json["token"], "the.token");
    EXPECT_EQ(json["expiresAt"], "2026-11-18T23:06:40.123Z");
    EXPECT_EQ(json["iceServers"], ice_servers_json(sample_ice()));
    EXPECT_EQ(json["iceServersTtl"], 86400);
    EXPECT_EQ(json["iceTransportPolicy"], "relay");
    EXPECT_EQ(json.size(), 7u);
}

TEST(Views, AFileShowsWhenItBecameVisibleAndNeverItsStorageKey) {
    auto json = file_json(sample_file(created_at + 1000));
    EXPECT_EQ(json, nlohmann::json::parse(R"({
        "id":"file-id","filename":"notes.txt","mimeType":"text/plain","sizeBytes":5,
        "sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "uploader":{"id":"ada-id","displayName":"Ada"},
        "createdAt":"2026-11-18T11:06:41.123Z"})"));
    EXPECT_EQ(file_json(sample_file(std::nullopt))["createdAt"], "2026-11-18T11:06:40.123Z");
    EXPECT_EQ(files_json({}), nlohmann::json::array());
}

TEST(Views, TheSnapshotIsTheRoomStateOfTheProtocol) {
    rooms::room_snapshot snapshot;
    snapshot.room = sample_room();
    snapshot.self = "bob-id";
    snapshot.members = {{{"ada-id", "room-id", "Ada", created_at, std::nullopt}, true},
                        {{"bob-id", "room-id", "Bob", created_at + 1, std::nullopt}, false}};
    snapshot.files = {sample_file(created_at)};
    snapshot.call_capacity = 6;
    auto json = snapshot_json(snapshot, sample_ice());
    EXPECT_EQ(json["room"], nlohmann::json::parse(R"({"id":"room-id","code":"abcd-efgh-jkmn",
        "createdAt":"2026-11-18T11:06:40.123Z","createdBy":"ada-id"})"));
    EXPECT_EQ(json["self"], "bob-id");
    EXPECT_EQ(json["members"], nlohmann::json::parse(R"([
        {"id":"ada-id","displayName":"Ada","joinedAt":"2026-11-18T11:06:40.123Z","online":true},
        {"id":"bob-id","displayName":"Bob","joinedAt":"2026-11-18T11:06:40.124Z","online":false}])"));
    EXPECT_TRUE(json["call"].is_null());
    EXPECT_EQ(json["files"], files_json(snapshot.files));
    EXPECT_EQ(json["iceServers"], ice_servers_json(sample_ice()));
    EXPECT_EQ(json["iceTransportPolicy"], "relay");
    EXPECT_EQ(json["callCapacity"], 6);

    snapshot.call = store::call_record{"call-id",
                                       "room-id",
                                       "ada-id",
                                       created_at,
                                       {{"ada-id", created_at}, {"bob-id", created_at + 5}}};
    EXPECT_EQ(snapshot_json(snapshot, sample_ice())["call"], nlohmann::json::parse(R"({
        "id":"call-id","startedBy":"ada-id","startedAt":"2026-11-18T11:06:40.123Z",
        "participants":[{"memberId":"ada-id","joinedAt":"2026-11-18T11:06:40.123Z"},
                        {"memberId":"bob-id","joinedAt":"2026-11-18T11:06:40.128Z"}]})"));
}

}  // namespace
}  // namespace parlor::api
