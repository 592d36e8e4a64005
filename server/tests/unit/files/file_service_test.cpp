#include "files/file_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "blobs/local_blob_store.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "store/sql_store.hpp"
#include "support/failure_of.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace parlor::files {
namespace {

using testing::failure_of;
namespace fs = std::filesystem;

constexpr millis upload_ttl_ms = 600'000;
constexpr millis download_ttl_ms = 300'000;

// What the room was told.
class recorded_events final : public rooms::room_events {
  public:
    void member_left(const rooms::departure&) override {}
    void file_added(const store::file_record& file, std::int64_t) override {
        added.push_back(file);
    }
    std::vector<store::file_record> added;
};

std::size_t entries_in(const fs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class FileServiceTest : public ::testing::TestWithParam<testing::database_kind> {
  protected:
    FileServiceTest() {
        store.migrate();
        store.insert_room_with_creator({"r1", "abcdefghjkmn", 1, "a"},
                                       {"a", "r1", "Ada", 1, std::nullopt});
        store.insert_member({"b", "r1", "Bea", 2, std::nullopt});
        store.insert_room_with_creator({"r2", "zzzzzzzzzzzz", 1, "o"},
                                       {"o", "r2", "Otto", 1, std::nullopt});
        files.notify(events);
    }

    static rooms::caller in_room(const std::string& member) { return {"r1", member, "a"}; }

    prepared_upload prepare_for(const std::string& bytes, const std::string& filename = "a.txt") {
        return files.prepare(in_room("a"),
                             {filename, "text/plain", bytes.size(), sha256_hex(bytes)});
    }
    std::string key_of(const prepared_upload& prepared) {
        return store.find_file(prepared.file_id).value().storage_key;
    }
    // The bytes arrive in the store, as through the signed link.
    void upload(const std::string& key, const std::string& bytes) {
        auto incoming = blobs.begin_upload(key, bytes.size());
        incoming->write(bytes.data(), bytes.size());
        incoming->commit();
    }
    fs::path objects() const { return dir.path() / "files" / "objects"; }
    fs::path uploads() const { return dir.path() / "files" / "uploads"; }

    testing::temp_dir dir;
    testing::manual_clock clock;
    testing::test_database db{GetParam()};
    store::sql_store store{db.location(), 1};
    blobs::local_blob_store blobs{dir.path() / "files", std::string(32, 'k'), clock};
    // Quotas wide enough not to matter, no disk floor, no rate limit: the tests that care
    // make a file_service of their own with limits().
    static file_limits limits() {
        return {.max_file_bytes = 1000,
                .upload_ttl = std::chrono::seconds(upload_ttl_ms / 1000),
                .download_ttl = std::chrono::seconds(download_ttl_ms / 1000),
                .room_max_files = 500,
                .room_max_bytes = 1'000'000,
                .min_free_disk = 0,
                .prepares_per_minute = 0};
    }
    file_service files{store, blobs, clock, limits()};
    recorded_events events;
};

// ---- prepare ----

TEST_P(FileServiceTest, PrepareKeepsAnInvisibleNormalisedRecord) {
    std::string upper_sha = "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824";
    auto prepared =
        files.prepare(in_room("b"), {"../etc/Notes.txt", "Text/Plain; x=y", 5, upper_sha});

    auto file = store.find_file(prepared.file_id);
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(file->room_id, "r1");
    EXPECT_EQ(file->uploader_id, "b");
    EXPECT_EQ(file->filename, "Notes.txt");
    EXPECT_EQ(file->mime_type, "text/plain");
    EXPECT_EQ(file->size_bytes, 5);
    EXPECT_EQ(file->sha256, sha256_hex("hello"));
    EXPECT_EQ(file->created_at, clock.now());
    EXPECT_EQ(file->upload_expires_at, clock.now() + upload_ttl_ms);
    EXPECT_FALSE(file->completed_at.has_value());
    EXPECT_TRUE(blobs::is_valid_key(file->storage_key)) << file->storage_key;
    EXPECT_NE(file->storage_key, file->id);
    EXPECT_EQ(prepared.upload.method, "PUT");
    EXPECT_TRUE(prepared.upload.url.starts_with("/blobs/" + file->storage_key + "?"))
        << prepared.upload.url;
    EXPECT_NE(prepared.upload.url.find("size=5&"), std::string::npos) << prepared.upload.url;
    EXPECT_EQ(prepared.upload.expires_at, file->upload_expires_at);
    EXPECT_TRUE(files.history("r1").empty());
    EXPECT_TRUE(events.added.empty());
}

TEST_P(FileServiceTest, PrepareRefusesWhatItCannotKeep) {
    auto sha = sha256_hex("x");
    EXPECT_NO_THROW(files.prepare(in_room("a"), {"max.bin", "", 1000, sha}));
    EXPECT_EQ(failure_of([&] {
                  files.prepare(in_room("a"), {"big.bin", "", 1001, sha});
              }),
              error_code::payload_too_large);
    EXPECT_EQ(failure_of([&] {
                  files.prepare(in_room("a"), {"..", "", 1, sha});
              }),
              error_code::bad_request);
    EXPECT_EQ(failure_of([&] {
                  files.prepare(in_room("a"), {"a.txt", "text", 1, sha});
              }),
              error_code::bad_request);
    EXPECT_EQ(failure_of([&] {
                  files.prepare(in_room("a"), {"a.txt", "", 1, "abc"});
              }),
              error_code::bad_request);
}

// ---- complete ----

TEST_P(FileServiceTest, CompleteWithoutTheBytesIsUploadIncomplete) {
    auto prepared = prepare_for("hello");
    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), prepared.file_id); }),
              error_code::upload_incomplete);
    EXPECT_TRUE(files.history("r1").empty());
}

TEST_P(FileServiceTest, CompleteMakesTheFileVisibleAndTellsTheRoomOnce) {
    auto prepared = prepare_for("hello", "greeting.txt");
    upload(key_of(prepared), "hello");
    clock.advance(1500);

    auto done = files.complete(in_room("a"), prepared.file_id);
    clock.advance(1500);
    auto again = files.complete(in_room("a"), prepared.file_id);
    auto asked_by_another = files.complete(in_room("b"), prepared.file_id);

    EXPECT_TRUE(done.newly_completed);
    EXPECT_EQ(done.file.completed_at, clock.now() - 1500);
    EXPECT_EQ(done.file.uploader_name, "Ada");
    EXPECT_FALSE(again.newly_completed);
    EXPECT_EQ(again.file.completed_at, done.file.completed_at);
    EXPECT_FALSE(asked_by_another.newly_completed);
    ASSERT_EQ(events.added.size(), 1u);
    EXPECT_EQ(events.added[0].id, prepared.file_id);
    EXPECT_EQ(events.added[0].filename, "greeting.txt");
    auto history = files.history("r1");
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].id, prepared.file_id);
}

TEST_P(FileServiceTest, OnlyTheUploaderCompletesAnUpload) {
    auto prepared = prepare_for("hello");
    upload(key_of(prepared), "hello");

    EXPECT_EQ(failure_of([&] { files.complete(in_room("b"), prepared.file_id); }),
              error_code::forbidden);
    EXPECT_TRUE(files.history("r1").empty());
    EXPECT_TRUE(events.added.empty());
    EXPECT_TRUE(files.complete(in_room("a"), prepared.file_id).newly_completed);
}

TEST_P(FileServiceTest, AnObjectOfAnotherSizeIsIncompleteAndRemoved) {
    auto prepared = prepare_for("hello");
    auto key = key_of(prepared);
    upload(key, "hel");

    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), prepared.file_id); }),
              error_code::upload_incomplete);
    EXPECT_EQ(blobs.stat(key), std::nullopt);
    upload(key, "hello");  // and it can be sent again
    EXPECT_TRUE(files.complete(in_room("a"), prepared.file_id).newly_completed);
}

TEST_P(FileServiceTest, BytesOfAnotherDigestAreRefusedAndRemoved) {
    auto prepared = prepare_for("hello");
    auto key = key_of(prepared);
    upload(key, "jello");

    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), prepared.file_id); }),
              error_code::checksum_mismatch);
    EXPECT_EQ(blobs.stat(key), std::nullopt);
    EXPECT_EQ(entries_in(objects()), 0u);
    EXPECT_TRUE(files.history("r1").empty());
    EXPECT_TRUE(events.added.empty());
    EXPECT_FALSE(store.find_file(prepared.file_id)->completed_at.has_value());
}

TEST_P(FileServiceTest, ALostDigestIsComputedAgainFromTheBytes) {
    auto good = prepare_for("hello"), bad = prepare_for("hello");
    upload(key_of(good), "hello");
    upload(key_of(bad), "jello");
    fs::remove(objects() / (key_of(good) + ".sha256"));
    std::ofstream(objects() / (key_of(bad) + ".sha256"), std::ios::trunc) << "not a digest";

    EXPECT_TRUE(files.complete(in_room("a"), good.file_id).newly_completed);
    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), bad.file_id); }),
              error_code::checksum_mismatch);
}

TEST_P(FileServiceTest, AnotherRoomsFilesDoNotExist) {
    auto prepared = prepare_for("hello");
    upload(key_of(prepared), "hello");
    files.complete(in_room("a"), prepared.file_id);
    rooms::caller otto{"r2", "o", "o"};

    for (const std::string& id : {prepared.file_id, std::string("no-such-file")}) {
        EXPECT_EQ(failure_of([&] { files.complete(otto, id); }), error_code::file_not_found);
        EXPECT_EQ(failure_of([&] { files.download(otto, id); }), error_code::file_not_found);
    }
    EXPECT_TRUE(files.history("r2").empty());
}

// ---- download ----

TEST_P(FileServiceTest, DownloadsAreSignedForCompletedFilesOnly) {
    auto prepared = prepare_for("hello", "greeting.txt");
    auto key = key_of(prepared);
    EXPECT_EQ(failure_of([&] { files.download(in_room("b"), prepared.file_id); }),
              error_code::file_not_found);
    upload(key, "hello");
    files.complete(in_room("a"), prepared.file_id);
    clock.advance(5000);

    auto link = files.download(in_room("b"), prepared.file_id);

    EXPECT_EQ(link.method, "GET");
    EXPECT_EQ(link.expires_at, clock.now() + download_ttl_ms);
    ASSERT_TRUE(link.url.starts_with("/blobs/" + key + "?")) << link.url;
    auto query = link.url.substr(link.url.find('?') + 1);
    auto naming = blobs.authorize_download(key, query);
    EXPECT_EQ(naming.filename, "greeting.txt");
    EXPECT_EQ(naming.mime_type, "text/plain");
    clock.advance(download_ttl_ms);
    EXPECT_EQ(failure_of([&] { blobs.authorize_download(key, query); }), error_code::forbidden);
}

// ---- sweep_expired ----

TEST_P(FileServiceTest, SweepForgetsExpiredPreparedUploadsAndTheirBytes) {
    auto uploaded = prepare_for("first"), never_sent = prepare_for("second");
    auto completed = prepare_for("third");
    upload(key_of(uploaded), "first");
    upload(key_of(completed), "third");
    files.complete(in_room("a"), completed.file_id);
    auto uploaded_key = key_of(uploaded), completed_key = key_of(completed);

    clock.advance(upload_ttl_ms);
    EXPECT_EQ(files.sweep_expired(), 0u) << "swept before the link expired";
    clock.advance(1);
    auto fresh = prepare_for("fourth");  // prepared now: not expired
    EXPECT_EQ(files.sweep_expired(), 2u);

    EXPECT_EQ(store.find_file(uploaded.file_id), std::nullopt);
    EXPECT_EQ(store.find_file(never_sent.file_id), std::nullopt);
    EXPECT_EQ(blobs.stat(uploaded_key), std::nullopt);
    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), uploaded.file_id); }),
              error_code::file_not_found);
    EXPECT_TRUE(store.find_file(fresh.file_id).has_value());
    ASSERT_EQ(files.history("r1").size(), 1u);
    EXPECT_TRUE(blobs.stat(completed_key).has_value());
    EXPECT_EQ(entries_in(objects()), 2u);  // the completed object and its digest
    EXPECT_EQ(files.sweep_expired(), 0u);
}

TEST_P(FileServiceTest, SweepRemovesAnUploadStillUnderWay) {
    auto prepared = prepare_for("hello");
    auto incoming = blobs.begin_upload(key_of(prepared), 5);
    incoming->write("he", 2);
    ASSERT_EQ(entries_in(uploads()), 1u);

    clock.advance(upload_ttl_ms + 1);
    EXPECT_EQ(files.sweep_expired(), 1u);

    EXPECT_EQ(entries_in(uploads()), 0u);
    incoming->write("llo", 3);
    try {
        incoming->commit();
        ADD_FAILURE() << "an upload swept away was published";
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::forbidden);  // the link expired: not a storage outage
        EXPECT_STREQ(e.what(), "This link has expired");
    }
    EXPECT_EQ(entries_in(objects()), 0u);
}

TEST_P(FileServiceTest, SweepGoesThroughEveryBatch) {
    for (int i = 0; i < 200; ++i) prepare_for("x");  // two full batches of 100
    clock.advance(upload_ttl_ms + 1);

    EXPECT_EQ(files.sweep_expired(), 200u);
    EXPECT_TRUE(store.expired_prepared_files(clock.now(), 10).empty());
}

// ---- quotas ----

prepared_upload prepare_in(file_service& service, const std::string& member,
                           const std::string& bytes) {
    return service.prepare({"r1", member, "a"},
                           {"f.txt", "text/plain", bytes.size(), sha256_hex(bytes)});
}

error refusal_of(const std::function<void()>& work) {
    try {
        work();
    } catch (const error& e) {
        return e;
    }
    return error(error_code::internal, "no error");
}

TEST_P(FileServiceTest, ARoomHoldsAtMostItsQuotaOfFilesUploadsUnderWayIncluded) {
    auto limited = limits();
    limited.room_max_files = 3;
    file_service service(store, blobs, clock, limited);
    auto done = prepare_in(service, "a", "one");
    upload(key_of(done), "one");
    service.complete(in_room("a"), done.file_id);
    prepare_in(service, "a", "two");    // under way
    prepare_in(service, "b", "three");  // under way, another member

    auto refused = refusal_of([&] { prepare_in(service, "a", "four"); });
    EXPECT_EQ(refused.code(), error_code::quota_exceeded);
    EXPECT_NE(std::string(refused.what()).find("already holds 3 files"), std::string::npos)
        << refused.what();
    EXPECT_EQ(http_status(error_code::quota_exceeded), 413);
    // Another room has a quota of its own.
    EXPECT_NO_THROW(service.prepare({"r2", "o", "o"}, {"f.txt", "text/plain", 1, sha256_hex("x")}));

    // An upload whose link ran out no longer holds a place.
    clock.advance(upload_ttl_ms + 1);
    EXPECT_NO_THROW(prepare_in(service, "a", "four"));
}

TEST_P(FileServiceTest, ARoomHoldsAtMostItsQuotaOfBytes) {
    auto limited = limits();
    limited.room_max_bytes = 10;
    file_service service(store, blobs, clock, limited);
    prepare_in(service, "a", "123456");

    auto refused = refusal_of([&] { prepare_in(service, "a", "12345"); });
    EXPECT_EQ(refused.code(), error_code::quota_exceeded);
    EXPECT_NE(std::string(refused.what()).find("past 10 bytes"), std::string::npos)
        << refused.what();
    EXPECT_NO_THROW(prepare_in(service, "a", "1234"));  // exactly up to the quota
}

// An upload whose link expired (not yet swept) may still be completed; if the room filled up
// meanwhile, complete refuses it and nothing of it stays.
TEST_P(FileServiceTest, CompleteChecksTheQuotaAgain) {
    auto limited = limits();
    limited.room_max_files = 1;
    file_service service(store, blobs, clock, limited);
    auto late = prepare_in(service, "a", "late");
    auto late_key = key_of(late);
    upload(late_key, "late");
    clock.advance(upload_ttl_ms + 1);
    auto first = prepare_in(service, "a", "first");
    upload(key_of(first), "first");
    service.complete(in_room("a"), first.file_id);

    EXPECT_EQ(failure_of([&] { service.complete(in_room("a"), late.file_id); }),
              error_code::quota_exceeded);
    EXPECT_EQ(store.find_file(late.file_id), std::nullopt);
    EXPECT_EQ(blobs.stat(late_key), std::nullopt);
    EXPECT_EQ(service.history("r1").size(), 1u);
}

TEST_P(FileServiceTest, PrepareIsRateLimitedPerMember) {
    auto limited = limits();
    limited.prepares_per_minute = 2;
    file_service service(store, blobs, clock, limited);
    prepare_in(service, "a", "1");
    prepare_in(service, "a", "2");

    auto refused = refusal_of([&] { prepare_in(service, "a", "3"); });
    EXPECT_EQ(refused.code(), error_code::rate_limited);
    ASSERT_TRUE(refused.retry_after_seconds());
    EXPECT_EQ(*refused.retry_after_seconds(), 30);
    EXPECT_NO_THROW(prepare_in(service, "b", "3"));  // another member's own bucket
    clock.advance(30'000);
    EXPECT_NO_THROW(prepare_in(service, "a", "3"));
}

TEST_P(FileServiceTest, UploadsStopWhileTheDiskIsBelowItsFloor) {
    auto limited = limits();
    limited.min_free_disk = std::uint64_t{1} << 60;  // more than any disk here has
    file_service service(store, blobs, clock, limited);
    auto refused = refusal_of([&] { prepare_in(service, "a", "x"); });
    EXPECT_EQ(refused.code(), error_code::quota_exceeded);
    EXPECT_NE(std::string(refused.what()).find("low on disk space"), std::string::npos)
        << refused.what();
    EXPECT_TRUE(store.expired_prepared_files(clock.now() + upload_ttl_ms + 1, 10).empty());
}

TEST(SizeInWords, NamesSizesAsPeopleReadThem) {
    EXPECT_EQ(size_in_words(1), "1 byte");
    EXPECT_EQ(size_in_words(900), "900 bytes");
    EXPECT_EQ(size_in_words(1536), "1.5 KiB");
    EXPECT_EQ(size_in_words(100 * 1024 * 1024), "100 MiB");
    EXPECT_EQ(size_in_words(std::uint64_t{2} << 30), "2 GiB");
}

// ---- one PUT per link, a full disk ----

TEST_P(FileServiceTest, ASecondUploadToTheSameLinkIsRefusedWhileTheFirstArrives) {
    auto prepared = prepare_for("hello");
    auto first = blobs.begin_upload(key_of(prepared), 5);
    first->write("he", 2);

    EXPECT_EQ(failure_of([&] { blobs.begin_upload(key_of(prepared), 5); }),
              error_code::upload_in_progress);
    EXPECT_EQ(http_status(error_code::upload_in_progress), 409);
    EXPECT_EQ(entries_in(uploads()), 1u);  // the refused one wrote nothing

    first->write("llo", 3);
    first->commit();
    first.reset();
    EXPECT_EQ(failure_of([&] { blobs.begin_upload(key_of(prepared), 5); }),
              error_code::forbidden);  // used
    EXPECT_EQ(files.complete(in_room("a"), prepared.file_id).file.size_bytes, 5);
}

TEST_P(FileServiceTest, AnUploadDroppedHalfwayFreesItsLink) {
    auto prepared = prepare_for("hello");
    {
        auto dropped = blobs.begin_upload(key_of(prepared), 5);
        dropped->write("he", 2);
    }
    EXPECT_EQ(entries_in(uploads()), 0u);
    upload(key_of(prepared), "hello");
    EXPECT_EQ(files.complete(in_room("a"), prepared.file_id).file.size_bytes, 5);
}

// What a crashed process leaves (a part file nobody holds a lock on) does not block the link.
TEST_P(FileServiceTest, APartFileLeftByACrashDoesNotBlockTheLink) {
    auto prepared = prepare_for("hello");
    std::ofstream(uploads() / (key_of(prepared) + ".part")) << "stale bytes from before";
    upload(key_of(prepared), "hello");
    EXPECT_EQ(files.complete(in_room("a"), prepared.file_id).file.size_bytes, 5);
}

// ENOSPC: the part file is made to be /dev/full, which answers every write with it.
TEST_P(FileServiceTest, AFullDiskIsStorageFullAndKeepsNothing) {
    auto prepared = prepare_for("hello");
    fs::create_symlink("/dev/full", uploads() / (key_of(prepared) + ".part"));
    auto incoming = blobs.begin_upload(key_of(prepared), 5);

    EXPECT_EQ(failure_of([&] { incoming->write("hello", 5); }), error_code::storage_full);
    EXPECT_EQ(http_status(error_code::storage_full), 507);
    incoming.reset();
    EXPECT_EQ(entries_in(uploads()), 0u);
    EXPECT_EQ(entries_in(objects()), 0u);
    EXPECT_EQ(failure_of([&] { files.complete(in_room("a"), prepared.file_id); }),
              error_code::upload_incomplete);
}

INSTANTIATE_TEST_SUITE_P(, FileServiceTest, testing::kinds_of_database,
                         testing::database_kind_name);

}  // namespace
}  // namespace parlor::files
