// What keeps one room (or one member) from filling the server's disk: a room's quota of
// files and bytes, the free-disk floor, the rate of prepares, one PUT at a time per upload
// link, a full disk during a PUT, and rooms that expire after a time without activity.

#include <atomic>
#include <thread>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

// A 413 `quota_exceeded` whose message has `words` in it.
::testing::AssertionResult over_quota(const http_reply& r, const std::string& words) {
    auto refused = is_error(r, 413, "quota_exceeded");
    if (!refused) return refused;
    auto message = r.json()["error"]["message"].get<std::string>();
    if (message.find(words) == std::string::npos)
        return ::testing::AssertionFailure()
               << "the message does not say '" << words << "': " << message;
    return ::testing::AssertionSuccess();
}

class FileQuotaTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--room-max-files", "3"}, {"--room-max-bytes", "1000"}};
    }
    void SetUp() override {
        files_test::SetUp();
        ada = api().create_room("Ada");
    }
    admission ada;
};

TEST_F(FileQuotaTest, ARoomTakesNoMoreFilesThanItsQuotaUploadsUnderWayIncluded) {
    share(ada, "one.txt", "text/plain", "one");
    prepare_upload(ada, "two.txt", "text/plain", "two");  // prepared, never sent
    auto grace = api().join_room(ada.code, "Grace");
    prepare_upload(grace, "three.txt", "text/plain", "three");

    auto refused = prepare(ada, prepare_body("four.txt", "text/plain", "four"));
    EXPECT_TRUE(over_quota(refused, "This room already holds 3 files"));
    EXPECT_TRUE(over_quota(prepare(grace, prepare_body("four.txt", "text/plain", "four")),
                           "the most a room may hold"));
    // Another room is not affected.
    auto other = api().create_room("Otto");
    EXPECT_EQ(prepare(other, prepare_body("x.txt", "text/plain", "x")).status, 201);
    EXPECT_EQ(list(ada).json()["files"].size(), 1u);
}

TEST_F(FileQuotaTest, ARoomTakesNoMoreBytesThanItsQuota) {
    share(ada, "big.bin", "", binary_bytes(600));
    auto refused = prepare(ada, prepare_body("more.bin", "", binary_bytes(401)));
    EXPECT_TRUE(over_quota(refused, "past 1000 bytes"));
    EXPECT_EQ(prepare(ada, prepare_body("fits.bin", "", binary_bytes(400))).status, 201);
}

// Prepares that arrive together are counted together: no more are admitted than fit.
TEST_F(FileQuotaTest, PreparesAtOnceDoNotOvershootTheQuota) {
    std::atomic<int> admitted = 0, refused = 0, other = 0;
    std::vector<std::thread> clients;
    for (int i = 0; i < 12; ++i) {
        clients.emplace_back([&, i] {
            auto body = prepare_body("f" + std::to_string(i), "", "x").dump();
            auto r = request(port(), "POST", files_path(ada, "/prepare"), body, bearer(ada.token));
            (r.status == 201 ? admitted : r.status == 413 ? refused : other)++;
        });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(admitted, 3);
    EXPECT_EQ(refused, 9);
    EXPECT_EQ(other, 0);
}

// ---- the disk's floor ----

class LowDiskTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--min-free-disk", std::to_string(std::uint64_t{1} << 62)}};  // never free here
    }
};

TEST_F(LowDiskTest, UploadsAreRefusedWhileEverythingElseWorks) {
    auto ada = api().create_room("Ada");
    EXPECT_TRUE(
        over_quota(prepare(ada, prepare_body("a.txt", "text/plain", "a")), "low on disk space"));
    auto grace = api().join_room(ada.code, "Grace");
    EXPECT_EQ(api().room_state(grace)["members"].size(), 2u);
    EXPECT_EQ(list(ada).status, 200);
    EXPECT_EQ(api().health().status, 200);
}

// ---- the rate of prepares ----

class PrepareRateTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--prepare-per-minute", "2"}};
    }
};

TEST_F(PrepareRateTest, AMemberStartsNoMoreUploadsAMinuteThanTheLimit) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    prepare_upload(ada, "1.txt", "text/plain", "1");
    prepare_upload(ada, "2.txt", "text/plain", "2");

    auto refused = prepare(ada, prepare_body("3.txt", "text/plain", "3"));
    EXPECT_TRUE(is_error(refused, 429, "rate_limited"));
    EXPECT_EQ(refused.header("Retry-After").value_or(""), "30");
    EXPECT_EQ(prepare(grace, prepare_body("3.txt", "text/plain", "3")).status, 201);
}

// ---- one PUT per link; a full disk ----

class UploadLinkTest : public files_test {
  protected:
    void SetUp() override {
        files_test::SetUp();
        ada = api().create_room("Ada");
    }
    admission ada;
};

TEST_F(UploadLinkTest, ASecondPutToALinkWhileTheFirstArrivesIsRefusedAndWritesNothing) {
    auto bytes = binary_bytes(100'000);
    auto slot = prepare_upload(ada, "once.bin", "", bytes);
    http_connection first(port());
    first.write_head("PUT", slot.target, {{"Content-Length", std::to_string(bytes.size())}});
    first.write_raw(bytes.substr(0, 1000));
    // The first upload is under way once its part file exists.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::filesystem::is_empty(uploads_dir()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    ASSERT_FALSE(std::filesystem::is_empty(uploads_dir()));

    auto second = put(slot.target, bytes);
    EXPECT_TRUE(is_error(second, 409, "upload_in_progress"));
    std::size_t parts = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(uploads_dir()))
        ++parts;
    EXPECT_EQ(parts, 1u) << "the refused PUT wrote a file of its own";

    first.write_raw(bytes.substr(1000));
    EXPECT_EQ(first.read_reply("PUT").status, 204);
    ASSERT_EQ(complete(ada, slot.file_id).status, 201);
    EXPECT_EQ(fetch(download_target(ada, slot.file_id)).body, bytes);
}

// The disk filling up mid-upload is made real by putting /dev/full where the upload's part
// file goes: every write to it fails with ENOSPC.
TEST_F(UploadLinkTest, ADiskThatFillsDuringAPutIsStorageFullAndKeepsNothing) {
    auto bytes = binary_bytes(10'000);
    auto slot = prepare_upload(ada, "full.bin", "", bytes);
    auto part = uploads_dir() / (key_of(slot.target) + ".part");
    std::filesystem::create_symlink("/dev/full", part);

    auto refused = put(slot.target, bytes);
    EXPECT_TRUE(is_error(refused, 507, "storage_full"));
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(part)));
    EXPECT_TRUE(std::filesystem::is_empty(objects_dir()));
    EXPECT_TRUE(is_error(complete(ada, slot.file_id), 409, "upload_incomplete"));
    EXPECT_TRUE(still_serving());
    // With room on the disk again, the same link works.
    ASSERT_EQ(put(slot.target, bytes).status, 204);
    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
}

// ---- retention ----

class RoomRetentionTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--room-retention-seconds", "2"}, {"--sweep-interval", "1"}};
    }
};

TEST_F(RoomRetentionTest, AnIdleRoomIsDeletedWithItsFilesWhileARoomInUseStays) {
    auto idle = api().create_room("Ada");
    share(idle, "old.txt", "text/plain", "old minutes");
    auto busy = api().create_room("Grace");
    auto online = join(busy);  // a member online keeps the room

    auto expired = server().wait_for_log("\"event\":\"room_expired\"", 15s);
    ASSERT_TRUE(expired.has_value()) << "no room expired";
    EXPECT_NE(expired->find(idle.room_id), std::string::npos) << *expired;
    EXPECT_NE(expired->find("\"files\":1"), std::string::npos) << *expired;

    EXPECT_TRUE(is_error(api().state(idle.code, bearer(idle.token)), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().join(idle.code, json{{"displayName", "Late"}}.dump()), 404,
                         "room_not_found"));
    EXPECT_TRUE(std::filesystem::is_empty(objects_dir())) << "the room's bytes are still stored";
    EXPECT_EQ(api().room_state(busy)["members"].size(), 1u);
    EXPECT_EQ(server().log().find("\"files\":0,\"room\":\"" + busy.room_id), std::string::npos);
}

}  // namespace
}  // namespace parlor::itest
