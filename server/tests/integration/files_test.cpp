// Shared files (protocol.md, REST): prepare, the signed PUT, complete, the room's list and
// downloads, as members of a room see them, and what each of those calls refuses.

#include <thread>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

class FilesTest : public files_test {
  protected:
    // Returns once the wall clock has passed `at` (an RFC 3339 time), so that what happens
    // next gets a later timestamp.
    static void wait_past(const json& at) {
        auto instant = parse_utc_time(at);
        if (!instant) throw std::runtime_error("not a time: " + at.dump());
        while (std::chrono::system_clock::now() <= *instant + 1ms) std::this_thread::sleep_for(1ms);
    }
};

// ---- the whole flow ----

TEST_F(FilesTest, MembersShareAFileFromPrepareToDownload) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto ada_socket = join(ada);
    auto grace_socket = join(grace);
    auto bytes = binary_bytes(300 * 1024);
    auto host = "127.0.0.1:" + std::to_string(port());

    // Ada prepares the upload, with the Host a browser sends.
    auto r = api().call("POST", files_path(ada, "/prepare"),
                        prepare_body("holiday photos.zip", "application/zip", bytes).dump(),
                        {{"Authorization", "Bearer " + ada.token}, {"Host", host}});
    ASSERT_EQ(r.status, 201) << r.body;
    auto prepared = r.json();
    EXPECT_EQ(keys_of(prepared), (std::set<std::string>{"fileId", "upload"}));
    EXPECT_TRUE(is_uuid(prepared["fileId"])) << prepared;
    const auto& upload = prepared["upload"];
    EXPECT_EQ(keys_of(upload), (std::set<std::string>{"method", "url", "headers", "expiresAt"}));
    EXPECT_EQ(upload["method"], "PUT");
    EXPECT_EQ(upload["headers"], json::object());
    auto url = upload["url"].get<std::string>();
    EXPECT_TRUE(url.starts_with("http://" + host + "/blobs/")) << url;
    EXPECT_TRUE(is_uuid(key_of(target_of(url)))) << url;
    for (const auto& part : {"expires=", "&sig=", "size=307200"})
        EXPECT_NE(url.find(part), std::string::npos) << part << " is not in " << url;
    auto upload_expires_in = seconds_from_now(upload["expiresAt"]);
    ASSERT_TRUE(upload_expires_in.has_value()) << upload;
    EXPECT_NEAR(*upload_expires_in, 15 * 60, 60);

    // The bytes go to the signed URL; then complete makes the file visible.
    auto stored = put(target_of(url), bytes);
    EXPECT_EQ(stored.status, 204) << stored.body;
    auto done = complete(ada, prepared["fileId"]);
    ASSERT_EQ(done.status, 201) << done.body;
    auto file = done.json()["file"];
    EXPECT_EQ(keys_of(file), (std::set<std::string>{"id", "filename", "mimeType", "sizeBytes",
                                                    "sha256", "uploader", "createdAt"}));
    EXPECT_EQ(file["id"], prepared["fileId"]);
    EXPECT_EQ(file["filename"], "holiday photos.zip");
    EXPECT_EQ(file["mimeType"], "application/zip");
    EXPECT_EQ(file["sizeBytes"], bytes.size());
    EXPECT_EQ(file["sha256"], sha256_of(bytes));
    EXPECT_EQ(file["uploader"], (json{{"id", ada.member_id}, {"displayName", "Ada"}}));
    auto created_ago = seconds_from_now(file["createdAt"]);
    ASSERT_TRUE(created_ago.has_value()) << file;
    EXPECT_LT(std::abs(*created_ago), 60.0);

    // Both sockets hear of it.
    for (auto* socket : {ada_socket.get(), grace_socket.get()}) {
        auto added = socket->next_of_type("file:added");
        ASSERT_TRUE(is_event(added, "file:added"));
        EXPECT_EQ((*added)["data"], (json{{"file", file}}));
    }

    // Grace finds it in the list and downloads the very same bytes.
    auto listed = list(grace);
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.json(), (json{{"files", json::array({file})}}));
    auto link = download_link(grace, file["id"]);
    ASSERT_EQ(link.status, 200) << link.body;
    EXPECT_EQ(keys_of(link.json()), (std::set<std::string>{"url", "expiresAt"}));
    auto link_expires_in = seconds_from_now(link.json()["expiresAt"]);
    ASSERT_TRUE(link_expires_in.has_value()) << link.body;
    EXPECT_NEAR(*link_expires_in, 5 * 60, 60);
    auto got = fetch(target_of(link.json()["url"]));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.header("Content-Type"), "application/zip");
    EXPECT_EQ(got.header("Content-Disposition"),
              "attachment; filename=\"holiday photos.zip\"; "
              "filename*=UTF-8''holiday%20photos.zip");
    EXPECT_EQ(got.body.size(), bytes.size());
    EXPECT_EQ(sha256_of(got.body), sha256_of(bytes));
}

TEST_F(FilesTest, CompletingAgainAnswersTheSameFileAndTellsNobody) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto grace_socket = join(grace);
    auto slot = prepare_upload(ada, "notes.txt", "text/plain", "some notes");
    ASSERT_EQ(put(slot.target, "some notes").status, 204);

    auto first = complete(ada, slot.file_id);
    auto again = complete(ada, slot.file_id);

    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json(), first.json());
    auto added = grace_socket->next_of_type("file:added");
    ASSERT_TRUE(is_event(added, "file:added"));
    EXPECT_EQ((*added)["data"]["file"]["id"], slot.file_id);
    // No second file:added: the next one Grace gets is the next file's.
    auto next = share(ada, "more.txt", "text/plain", "more");
    auto following = grace_socket->next_of_type("file:added");
    ASSERT_TRUE(is_event(following, "file:added"));
    EXPECT_EQ((*following)["data"]["file"]["id"], next["id"]);
    EXPECT_EQ(list(grace).json()["files"].size(), 2u);
}

TEST_F(FilesTest, ALateJoinerFindsTheFilesOldestFirstInRoomState) {
    auto ada = api().create_room("Ada");
    auto first = share(ada, "first.txt", "text/plain", "first");
    wait_past(first["createdAt"]);
    auto second = share(ada, "second.txt", "text/plain", "second");

    auto cleo = api().join_room(ada.code, "Cleo");
    json state;
    auto cleo_socket = join(cleo, &state);

    EXPECT_EQ(state["files"], json::array({first, second}));
    EXPECT_EQ(api().room_state(cleo)["files"], state["files"]);
    EXPECT_EQ(list(cleo).json()["files"], state["files"]);
    EXPECT_EQ(fetch(download_target(cleo, first["id"])).body, "first");
}

TEST_F(FilesTest, TheDownloadCallRedirectsWhenAsked) {
    auto ada = api().create_room("Ada");
    auto bytes = binary_bytes(5000);
    auto file = share(ada, "picture.png", "image/png", bytes);

    auto r = download_link(ada, file["id"], "?redirect=1");

    ASSERT_EQ(r.status, 302) << r.body;
    auto location = r.header("Location");
    ASSERT_TRUE(location.has_value());
    EXPECT_TRUE(location->starts_with("http://127.0.0.1/blobs/")) << *location;
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    auto got = fetch(target_of(*location));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.header("Content-Type"), "image/png");
    EXPECT_TRUE(got.body == bytes) << "the redirect's object differs";
}

// ---- complete's checks ----

TEST_F(FilesTest, CompleteBeforeTheBytesArriveIsUploadIncomplete) {
    auto ada = api().create_room("Ada");
    auto bytes = binary_bytes(2048);
    auto slot = prepare_upload(ada, "later.bin", "application/octet-stream", bytes);

    EXPECT_TRUE(is_error(complete(ada, slot.file_id), 409, "upload_incomplete"));
    EXPECT_EQ(list(ada).json()["files"], json::array());
    EXPECT_TRUE(is_error(download_link(ada, slot.file_id), 404, "file_not_found"));

    // The bytes may still come, and then it completes.
    ASSERT_EQ(put(slot.target, bytes).status, 204);
    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
}

TEST_F(FilesTest, BytesThatDoNotMatchTheChecksumNeverBecomeVisible) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto grace_socket = join(grace);
    auto declared = binary_bytes(4096, 1), sent = binary_bytes(4096, 2);
    auto slot = prepare_upload(ada, "report.pdf", "application/pdf", declared);
    ASSERT_EQ(put(slot.target, sent).status, 204);  // the link knows the size, not the bytes

    EXPECT_TRUE(is_error(complete(ada, slot.file_id), 422, "checksum_mismatch"));

    EXPECT_EQ(list(grace).json()["files"], json::array());
    EXPECT_EQ(api().room_state(grace)["files"], json::array());
    EXPECT_TRUE(is_error(download_link(grace, slot.file_id), 404, "file_not_found"));
    EXPECT_FALSE(std::filesystem::exists(objects_dir() / key_of(slot.target)))
        << "the refused bytes are still stored";
    // The room heard nothing: the next file:added Grace gets is another file's.
    auto next = share(ada, "fine.txt", "text/plain", "fine");
    auto added = grace_socket->next_of_type("file:added");
    ASSERT_TRUE(is_event(added, "file:added"));
    EXPECT_EQ((*added)["data"]["file"]["id"], next["id"]);
    // The uploader may send the right bytes through the same link.
    ASSERT_EQ(put(slot.target, declared).status, 204);
    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
}

TEST_F(FilesTest, OnlyTheUploaderCompletesTheirUpload) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto slot = prepare_upload(ada, "mine.txt", "text/plain", "mine");
    ASSERT_EQ(put(slot.target, "mine").status, 204);

    EXPECT_TRUE(is_error(complete(grace, slot.file_id), 403, "forbidden"));

    EXPECT_EQ(list(grace).json()["files"], json::array());
    auto done = complete(ada, slot.file_id);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(done.json()["file"]["uploader"]["id"], ada.member_id);
}

TEST_F(FilesTest, AnotherRoomsFilesAndUnknownIdsAreNotFound) {
    auto ada = api().create_room("Ada");
    auto otto = api().create_room("Otto");
    auto theirs = share(otto, "secret.txt", "text/plain", "secret");
    auto pending = prepare_upload(otto, "pending.txt", "text/plain", "pending");
    ASSERT_EQ(put(pending.target, "pending").status, 204);
    const std::string unknown = "00000000-0000-4000-8000-000000000000";

    for (const std::string& id : {theirs["id"].get<std::string>(), pending.file_id, unknown,
                                  std::string("not-a-file-id")}) {
        SCOPED_TRACE(id);
        EXPECT_TRUE(is_error(complete(ada, id), 404, "file_not_found"));
        EXPECT_TRUE(is_error(download_link(ada, id), 404, "file_not_found"));
        EXPECT_TRUE(is_error(download_link(ada, id, "?redirect=1"), 404, "file_not_found"));
    }
    EXPECT_EQ(list(ada).json()["files"], json::array());
    // Nothing Ada tried touched Otto's files.
    EXPECT_EQ(complete(otto, pending.file_id).status, 201);
    EXPECT_EQ(list(otto).json()["files"].size(), 2u);
    EXPECT_EQ(fetch(download_target(otto, theirs["id"])).body, "secret");
}

}  // namespace
}  // namespace parlor::itest
