// realtime/views: the JSON shapes of protocol.md, which REST and the socket's events share.

#include <gtest/gtest.h>

#include "realtime/views.hpp"

namespace parlor::realtime {
namespace {

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
    snapshot.room.locked = true;
    snapshot.members = {{{"ada-id", "room-id", "Ada", created_at, std::nullopt}, true},
                        {{"bob-id", "room-id", "Bob", created_at + 1, std::nullopt}, false}};
    snapshot.members[1].member.hand_raised_at = created_at + 2;
    snapshot.files = {sample_file(created_at)};
    snapshot.messages = {
        {"msg-id", "room-id", "bob-id", "Bob", "hi <b>all</b>", created_at + 3, 7}};
    snapshot.blocked_file_types = {".exe", "video/*"};
    snapshot.call_capacity = 6;
    auto json = snapshot_json(snapshot, sample_ice());
    EXPECT_EQ(json["room"], nlohmann::json::parse(R"({"id":"room-id","code":"abcd-efgh-jkmn",
        "createdAt":"2026-11-18T11:06:40.123Z","createdBy":"ada-id","locked":true})"));
    EXPECT_EQ(json["self"], "bob-id");
    EXPECT_EQ(json["members"], nlohmann::json::parse(R"([
        {"id":"ada-id","displayName":"Ada","joinedAt":"2026-11-18T11:06:40.123Z","online":true,
         "handRaisedAt":null},
        {"id":"bob-id","displayName":"Bob","joinedAt":"2026-11-18T11:06:40.124Z","online":false,
         "handRaisedAt":"2026-11-18T11:06:40.125Z"}])"));
    EXPECT_EQ(json["messages"], nlohmann::json::parse(R"([
        {"id":"msg-id","memberId":"bob-id","displayName":"Bob","text":"hi <b>all</b>",
         "createdAt":"2026-11-18T11:06:40.126Z"}])"));
    EXPECT_EQ(json["blockedFileTypes"], nlohmann::json::parse(R"([".exe","video/*"])"));
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
}  // namespace parlor::realtime
