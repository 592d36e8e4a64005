#include "blobs/s3_blob_store.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>

#include "blobs/disposition.hpp"
#include "blobs/s3rver_process.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "support/failure_of.hpp"
#include "support/manual_clock.hpp"

namespace parlor::blobs {
namespace {

using testing::failure_of;

constexpr const char* bucket = "parlor-test";
constexpr millis minute = 60'000;

// What a browser would see: status, body, and headers (names lowercased).
struct http_reply {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t record_header(char* data, std::size_t size, std::size_t count, void* user) {
    std::string line(data, size * count);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        value.erase(value.find_last_not_of("\r\n ") + 1);
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * count;
}

// A browser's side of a presigned URL: a GET, or a PUT of `upload` with its own
// Content-Type (which the signature does not cover) and the headers the request lists.
http_reply fetch(const signed_request& request, const std::string& upload = {}) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
    http_reply reply;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/octet-stream");
    headers = curl_slist_append(headers, "Expect:");
    for (const auto& [name, value] : request.headers)
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
    CURL* h = handle.get();
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    if (request.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, upload.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(upload.size()));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, record_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply.headers);
    CURLcode code = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) ADD_FAILURE() << request.url << ": " << curl_easy_strerror(code);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
}

enum class style { path, virtual_host };

class S3BlobStoreTest : public ::testing::Test {
  protected:
    // One s3rver for the suite: starting node takes most of a second.
    static void SetUpTestSuite() {
        try {
            server_ = std::make_unique<testing::s3rver_process>(bucket);
        } catch (const std::exception& e) {
            start_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { server_.reset(); }

    void SetUp() override {
        if (!server_) FAIL() << start_error_;
    }

    static s3_config config_for(std::uint16_t port, style addressing = style::path) {
        std::string host = addressing == style::path ? "127.0.0.1" : "s3.localhost";
        return {"http://" + host + ":" + std::to_string(port),
                "us-east-1",
                bucket,
                addressing == style::path,
                testing::s3rver_process::access_key,
                testing::s3rver_process::secret_key,
                "",
                "parlor/"};
    }

    s3_blob_store store(style addressing = style::path) {
        return s3_blob_store(config_for(server_->port(), addressing), clock_);
    }

    // Uploads `bytes` the way a browser does; the upload's HTTP status.
    long upload(s3_blob_store& s3, const std::string& key, const std::string& bytes) {
        signed_request put = s3.presign_upload(key, bytes.size(), "application/octet-stream",
                                               sha256_hex(bytes), clock_.now() + 5 * minute);
        return fetch(put, bytes).status;
    }

    // s3rver compares header-signed requests with its own clock: sign with the real time.
    system_clock clock_;
    static inline std::unique_ptr<testing::s3rver_process> server_;
    static inline std::string start_error_;
};

TEST_F(S3BlobStoreTest, CheckSucceedsForTheConfiguredBucket) {
    EXPECT_NO_THROW(store().check());
    EXPECT_NO_THROW(store(style::virtual_host).check());
}

TEST_F(S3BlobStoreTest, CheckOfAMissingBucketIsUnavailable) {
    s3_config config = config_for(server_->port());
    config.bucket = "no-such-bucket";
    s3_blob_store missing(config, clock_);
    EXPECT_EQ(failure_of([&] { missing.check(); }), error_code::unavailable);
}

TEST_F(S3BlobStoreTest, UnknownAccessKeyIsUnavailable) {
    s3_config config = config_for(server_->port());
    config.access_key_id = "NOT-S3RVER";
    s3_blob_store wrong_keys(config, clock_);
    EXPECT_EQ(failure_of([&] { wrong_keys.check(); }), error_code::unavailable);
}

// s3rver keeps no checksum (HEAD answers none): stat reads the object and hashes it, so
// complete can compare the SHA-256 as it does on the local store.
TEST_F(S3BlobStoreTest, UploadedBytesAreStatedWithTheirSizeAndSha256) {
    s3_blob_store s3 = store();
    ASSERT_EQ(upload(s3, "rooms/r1/f1", "hello, parlor"), 200);
    std::optional<stored_object> object = s3.stat("rooms/r1/f1");
    ASSERT_TRUE(object);
    EXPECT_EQ(object->size, 13u);
    EXPECT_EQ(object->sha256, sha256_hex("hello, parlor"));
}

TEST_F(S3BlobStoreTest, OtherBytesThanDeclaredAreStatedWithTheirOwnSha256) {
    s3_blob_store s3 = store();
    // Declared "hello", stored "HELLO": a store that checks nothing at PUT time (s3rver)
    // takes them; stat's digest shows the difference.
    signed_request put = s3.presign_upload("rooms/r1/f4", 5, "text/plain", sha256_hex("hello"),
                                           clock_.now() + minute);
    ASSERT_EQ(fetch(put, "HELLO").status, 200);
    std::optional<stored_object> object = s3.stat("rooms/r1/f4");
    ASSERT_TRUE(object);
    EXPECT_EQ(object->sha256, sha256_hex("HELLO"));
}

TEST_F(S3BlobStoreTest, DownloadReturnsTheBytesAsANamedAttachment) {
    s3_blob_store s3 = store();
    ASSERT_EQ(upload(s3, "rooms/r1/f2", "%PDF-1.7 bytes"), 200);
    download_naming naming{"Résumé \"final\" 📄.pdf", "application/pdf"};
    http_reply reply = fetch(s3.presign_download("rooms/r1/f2", naming, clock_.now() + minute));
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "%PDF-1.7 bytes");
    EXPECT_EQ(reply.headers["content-disposition"], attachment_disposition(naming.filename));
    EXPECT_EQ(reply.headers["content-type"], "application/pdf");
}

TEST_F(S3BlobStoreTest, MissingKeyHasNoObject) {
    EXPECT_EQ(store().stat("rooms/r1/never-uploaded"), std::nullopt);
}

TEST_F(S3BlobStoreTest, RemovedObjectIsGoneAndRemovingAgainIsFine) {
    s3_blob_store s3 = store();
    ASSERT_EQ(upload(s3, "rooms/r1/f3", "temporary"), 200);
    ASSERT_TRUE(s3.stat("rooms/r1/f3"));
    s3.remove("rooms/r1/f3");
    EXPECT_EQ(s3.stat("rooms/r1/f3"), std::nullopt);
    EXPECT_NO_THROW(s3.remove("rooms/r1/f3"));
}

TEST_F(S3BlobStoreTest, KeysWithAwkwardCharactersRoundTripInBothStyles) {
    const std::vector<std::string> keys = {
        "with space/and more",  "ünïcödé/日本語",    "emoji/😀🎉",
        "plus+and=equals",      "tilde~/-_.",        "amp&ersand",
        "question?mark",        "percent%20literal", "hash#tag",
        "quote\"apos'",         "semi;colon,comma",  "a/b/c/d/e/f/deep",
        "paren(s)[brackets]!*", "at@dollar$",        "colon:caret^",
    };
    for (style addressing : {style::path, style::virtual_host}) {
        s3_blob_store s3 = store(addressing);
        for (const std::string& key : keys) {
            std::string bytes = "bytes of " + key;
            ASSERT_EQ(upload(s3, key, bytes), 200) << key;
            std::optional<stored_object> object = s3.stat(key);
            ASSERT_TRUE(object) << key;
            EXPECT_EQ(object->size, bytes.size()) << key;
            http_reply reply = fetch(s3.presign_download(key, {"f.bin", "application/octet-stream"},
                                                         clock_.now() + minute));
            EXPECT_EQ(reply.body, bytes) << key;
            s3.remove(key);
            EXPECT_EQ(s3.stat(key), std::nullopt) << key;
        }
    }
}

TEST_F(S3BlobStoreTest, ExpiredUploadUrlIsRefused) {
    // Signed two hours ago for ten minutes.
    testing::manual_clock past(clock_.now() - 120 * minute);
    s3_blob_store stale(config_for(server_->port()), past);
    signed_request put = stale.presign_upload("rooms/r1/late", 4, "text/plain", sha256_hex("late"),
                                              past.now() + 10 * minute);
    http_reply reply = fetch(put, "late");
    EXPECT_EQ(reply.status, 403);
    EXPECT_NE(reply.body.find("Request has expired"), std::string::npos) << reply.body;
    EXPECT_EQ(store().stat("rooms/r1/late"), std::nullopt);
}

TEST_F(S3BlobStoreTest, StoppedServerIsUnavailableWithoutWaitingForTimeouts) {
    testing::s3rver_process doomed(bucket);
    s3_blob_store s3(config_for(doomed.port()), clock_);
    ASSERT_NO_THROW(s3.check());
    doomed.stop();
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of([&] { s3.stat("rooms/r1/f1"); }), error_code::unavailable);
    EXPECT_EQ(failure_of([&] { s3.remove("rooms/r1/f1"); }), error_code::unavailable);
    EXPECT_EQ(failure_of([&] { s3.check(); }), error_code::unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// Signing only: no server needed.

s3_config offline_config() {
    return {"https://s3.eu-west-2.amazonaws.com",
            "eu-west-2",
            "parlor-files",
            false,
            "AKID",
            "secret",
            "",
            "parlor/"};
}

TEST(S3BlobStoreSigning, UrlsLastUntilExpiryRoundedUpToWholeSeconds) {
    testing::manual_clock clock(1'795'000'000'400);
    s3_blob_store s3(offline_config(), clock);
    // Signed at second 1'795'000'000; 10.4 s to go becomes 11 s.
    signed_request put =
        s3.presign_upload("k", 1, "text/plain", sha256_hex("x"), clock.now() + 10'000);
    EXPECT_EQ(put.method, "PUT");
    EXPECT_EQ(put.expires_at, 1'795'000'011'000);
    EXPECT_NE(put.url.find("X-Amz-Expires=11&"), std::string::npos) << put.url;
    EXPECT_TRUE(put.url.starts_with("https://parlor-files.s3.eu-west-2.amazonaws.com/parlor/k?"))
        << put.url;
    // An expiry already past still yields S3's minimum of one second.
    signed_request late =
        s3.presign_upload("k", 1, "text/plain", sha256_hex("x"), clock.now() - 5'000);
    EXPECT_NE(late.url.find("X-Amz-Expires=1&"), std::string::npos) << late.url;
    EXPECT_EQ(late.expires_at, 1'795'000'001'000);
}

// The size and the digest are signed: S3 refuses a PUT with another Content-Length or with
// bytes whose SHA-256 is not the checksum header's, so the link cannot replace the object
// with other bytes, not even after complete.
TEST(S3BlobStoreSigning, UploadUrlSignsTheSizeAndTheChecksum) {
    testing::manual_clock clock;
    s3_blob_store s3(offline_config(), clock);
    std::string digest = sha256_hex("hello");
    signed_request put = s3.presign_upload("k", 5, "text/plain", digest, clock.now() + minute);
    EXPECT_NE(put.url.find("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256&"),
              std::string::npos)
        << put.url;
    // The browser sets Content-Length itself; the checksum header is the one it must add.
    ASSERT_EQ(put.headers.size(), 1u);
    EXPECT_EQ(put.headers[0].first, "x-amz-checksum-sha256");
    EXPECT_EQ(put.headers[0].second, "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
    // Another size or digest is another signature.
    std::string signature = put.url.substr(put.url.find("X-Amz-Signature="));
    auto other_size = s3.presign_upload("k", 6, "text/plain", digest, clock.now() + minute);
    auto other_digest =
        s3.presign_upload("k", 5, "text/plain", sha256_hex("HELLO"), clock.now() + minute);
    EXPECT_EQ(other_size.url.find(signature), std::string::npos);
    EXPECT_EQ(other_digest.url.find(signature), std::string::npos);
}

TEST(S3BlobStoreSigning, DownloadUrlAsksForAnAttachmentWithTheMimeType) {
    testing::manual_clock clock;
    s3_blob_store s3(offline_config(), clock);
    signed_request get =
        s3.presign_download("k", {"naïve.txt", "text/plain"}, clock.now() + minute);
    EXPECT_EQ(get.method, "GET");
    std::string disposition = sigv4::uri_encode(attachment_disposition("naïve.txt"), true);
    EXPECT_NE(get.url.find("&response-content-disposition=" + disposition + "&"), std::string::npos)
        << get.url;
    EXPECT_NE(get.url.find("&response-content-type=text%2Fplain&"), std::string::npos) << get.url;
}

TEST(S3BlobStoreSigning, LifetimesBeyondSevenDaysAreRefused) {
    testing::manual_clock clock;
    s3_blob_store s3(offline_config(), clock);
    millis eight_days = 8 * 24 * 60 * minute;
    EXPECT_THROW(s3.presign_upload("k", 1, "text/plain", sha256_hex("x"), clock.now() + eight_days),
                 std::invalid_argument);
}

TEST(S3BlobStoreSigning, KeysThatClientsWouldRewriteAreRefused) {
    testing::manual_clock clock;
    s3_blob_store s3(offline_config(), clock);
    for (const std::string& key : std::vector<std::string>{"", "a/../b", "./a", "a/.", "tab\there",
                                                           std::string(1020, 'k')}) {
        EXPECT_THROW(s3.presign_upload(key, 1, "text/plain", sha256_hex("x"), clock.now() + minute),
                     std::invalid_argument)
            << key;
    }
}

TEST(S3BlobStoreSigning, BadSettingsAreRefusedAtConstruction) {
    testing::manual_clock clock;
    auto refused = [&](auto change) {
        s3_config config = offline_config();
        change(config);
        try {
            s3_blob_store s3(config, clock);
        } catch (const std::invalid_argument&) {
            return true;
        }
        return false;
    };
    EXPECT_TRUE(refused([](s3_config& c) { c.endpoint = "s3.amazonaws.com"; }));
    EXPECT_TRUE(refused([](s3_config& c) { c.endpoint = "https://s3.amazonaws.com/bucket"; }));
    EXPECT_TRUE(refused([](s3_config& c) { c.region.clear(); }));
    EXPECT_TRUE(refused([](s3_config& c) { c.bucket = "Parlor_Files"; }));
    EXPECT_TRUE(refused([](s3_config& c) { c.access_key_id.clear(); }));
    EXPECT_TRUE(refused([](s3_config& c) { c.secret_access_key.clear(); }));
    EXPECT_TRUE(refused([](s3_config& c) { c.key_prefix = "../"; }));
    // Virtual-host addressing cannot put a bucket in front of an IP address, and a dotted
    // bucket name over https would not match the server's TLS certificate.
    EXPECT_TRUE(refused([](s3_config& c) { c.endpoint = "http://127.0.0.1:4568"; }));
    EXPECT_TRUE(refused([](s3_config& c) { c.bucket = "parlor.files"; }));
    EXPECT_FALSE(refused([](s3_config& c) {
        c.bucket = "parlor.files";
        c.path_style = true;
    }));
    EXPECT_FALSE(refused([](s3_config&) {}));
}

}  // namespace
}  // namespace parlor::blobs
