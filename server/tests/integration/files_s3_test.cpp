// The files flow with --file-store s3, against a real S3-protocol server (s3rver). The
// browser's part (PUT and GET on presigned URLs) is played by plain HTTP requests to it.
// s3rver does not check SigV4 signatures; unit/blobs/sigv4*_test.cpp prove those.
#include <gtest/gtest.h>

#include "blobs/s3rver_process.hpp"
#include "common/crypto.hpp"
#include "support.hpp"

namespace parlor::itest {
namespace {

// The raw SHA-256 of `bytes` (the checksum header carries it in base64).
std::string raw_sha256(const std::string& bytes) {
    std::string hex = sha256_hex(bytes), raw;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return raw;
}

constexpr const char* bucket = "parlor-files";

// scheme://host:port/path?query -> {port, path?query}; s3rver listens on 127.0.0.1.
std::pair<unsigned short, std::string> split_url(const std::string& url) {
    auto after_scheme = url.find("://") + 3;
    auto path = url.find('/', after_scheme);
    auto authority = url.substr(after_scheme, path - after_scheme);
    auto colon = authority.rfind(':');
    return {static_cast<unsigned short>(std::stoi(authority.substr(colon + 1))), url.substr(path)};
}

class FilesS3Test : public parlor_test {
  protected:
    static void SetUpTestSuite() {
        try {
            s3_ = std::make_unique<testing::s3rver_process>(bucket);
        } catch (const std::exception& e) {
            start_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { s3_.reset(); }

    void SetUp() override {
        if (!s3_) GTEST_FAIL() << start_error_;
        // Path style (s3rver on an IP address), set the way an operator would: by environment.
        server_ = std::make_unique<parlor_process>(
            std::map<std::string, std::string>{
                {"--file-store", "s3"},
                {"--s3-endpoint", "http://127.0.0.1:" + std::to_string(s3_->port())},
                {"--s3-bucket", bucket},
                {"--s3-access-key-id", testing::s3rver_process::access_key},
                {"--s3-secret-access-key", testing::s3rver_process::secret_key},
                {"--s3-prefix", "rooms/"}},
            std::map<std::string, std::string>{{"PARLOR_S3_PATH_STYLE", "true"}});
        server_->start();
        ada = api().create_room("Ada");
    }

    http_reply prepare(const std::string& bytes, const std::string& declared_sha) {
        return api().call("POST", "/api/rooms/" + ada.code + "/files/prepare",
                          nlohmann::json{{"filename", "notes.txt"},
                                         {"mimeType", "text/plain"},
                                         {"sizeBytes", bytes.size()},
                                         {"sha256", declared_sha}}
                              .dump(),
                          bearer(ada.token));
    }
    // What a browser does with a presigned URL (and the headers prepare listed, if any).
    static http_reply follow(const std::string& method, const std::string& url,
                             const std::string& body = {},
                             const nlohmann::json& headers = nlohmann::json::object()) {
        auto [port, target] = split_url(url);
        header_list sent = {{"Content-Type", "text/plain"}};
        for (const auto& [name, value] : headers.items()) sent.emplace_back(name, value);
        return request(port, method, target, body, sent);
    }
    http_reply complete(const std::string& file_id) {
        return api().call("POST", "/api/rooms/" + ada.code + "/files/complete",
                          nlohmann::json{{"fileId", file_id}}.dump(), bearer(ada.token));
    }

    admission ada;
    static inline std::unique_ptr<testing::s3rver_process> s3_;
    static inline std::string start_error_;
};

TEST_F(FilesS3Test, UploadCompleteListAndDownloadGoThroughTheBucket) {
    std::string bytes = "minutes of the meeting\n";
    auto prepared = prepare(bytes, sha256_hex(bytes));
    ASSERT_EQ(prepared.status, 201) << prepared.body;
    auto upload = prepared.json()["upload"];
    EXPECT_EQ(upload["method"], "PUT");
    // The browser talks to the bucket, not to parlor.
    auto upload_url = upload["url"].get<std::string>();
    EXPECT_TRUE(upload_url.starts_with("http://127.0.0.1:" + std::to_string(s3_->port()) + "/" +
                                       bucket + "/rooms/"))
        << upload_url;
    EXPECT_NE(upload_url.find("X-Amz-Signature="), std::string::npos);

    // The size and the SHA-256 are signed; the browser adds the checksum header it is given.
    EXPECT_NE(upload_url.find("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256"),
              std::string::npos)
        << upload_url;
    EXPECT_EQ(upload["headers"],
              (nlohmann::json{{"x-amz-checksum-sha256", base64(raw_sha256(bytes))}}));
    ASSERT_EQ(follow("PUT", upload_url, bytes, upload["headers"]).status, 200);
    auto done = complete(prepared.json()["fileId"]);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(done.json()["file"]["sizeBytes"], bytes.size());
    EXPECT_EQ(api().room_state(ada)["files"].size(), 1u);

    auto link = api().call(
        "GET", "/api/files/" + prepared.json()["fileId"].get<std::string>() + "/download", {},
        bearer(ada.token));
    ASSERT_EQ(link.status, 200) << link.body;
    auto got = follow("GET", link.json()["url"]);
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, bytes);
    EXPECT_EQ(got.header("Content-Disposition").value_or(""),
              "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt");
}

TEST_F(FilesS3Test, CompletingBeforeTheBytesArriveIsUploadIncomplete) {
    std::string bytes = "not sent";
    auto prepared = prepare(bytes, sha256_hex(bytes));
    ASSERT_EQ(prepared.status, 201);

    auto done = complete(prepared.json()["fileId"]);

    EXPECT_EQ(done.status, 409);
    EXPECT_EQ(done.json()["error"]["code"], "upload_incomplete");
    EXPECT_TRUE(api().room_state(ada)["files"].empty());
}

// S3 takes whatever size is PUT: complete's size check is what keeps a short upload out.
TEST_F(FilesS3Test, AnObjectOfTheWrongSizeIsRefusedAndRemoved) {
    std::string declared(1000, 'x');
    auto prepared = prepare(declared, sha256_hex(declared));
    ASSERT_EQ(prepared.status, 201);
    auto upload_url = prepared.json()["upload"]["url"].get<std::string>();
    ASSERT_EQ(follow("PUT", upload_url, declared.substr(0, 10)).status, 200);

    auto done = complete(prepared.json()["fileId"]);

    EXPECT_EQ(done.status, 409);
    EXPECT_EQ(done.json()["error"]["code"], "upload_incomplete");
    EXPECT_TRUE(api().room_state(ada)["files"].empty());
    // The short object is gone, so the upload can be tried again with the same link.
    ASSERT_EQ(follow("PUT", upload_url, declared).status, 200);
    EXPECT_EQ(complete(prepared.json()["fileId"]).status, 201);
}

// s3rver checks neither signatures nor checksums, so it stores other bytes of the declared
// size; complete reads them back and refuses them (a real S3 refuses them at the PUT).
TEST_F(FilesS3Test, OtherBytesThanDeclaredAreAChecksumMismatchAndRemoved) {
    std::string declared = "the real minutes", other = "fake minutes!!!!";
    ASSERT_EQ(declared.size(), other.size());
    auto prepared = prepare(declared, sha256_hex(declared));
    ASSERT_EQ(prepared.status, 201);
    auto upload_url = prepared.json()["upload"]["url"].get<std::string>();
    ASSERT_EQ(follow("PUT", upload_url, other).status, 200);

    auto done = complete(prepared.json()["fileId"]);

    EXPECT_TRUE(is_error(done, 422, "checksum_mismatch"));
    EXPECT_TRUE(api().room_state(ada)["files"].empty());
    // The object is gone: the right bytes can still be sent with the same link.
    ASSERT_EQ(follow("PUT", upload_url, declared, prepared.json()["upload"]["headers"]).status,
              200);
    EXPECT_EQ(complete(prepared.json()["fileId"]).status, 201);
}

TEST_F(FilesS3Test, HealthReportsTheBucket) {
    auto healthy = api().health();
    EXPECT_EQ(healthy.status, 200);
    EXPECT_EQ(healthy.json()["checks"]["blobs"], "ok");
}

}  // namespace
}  // namespace parlor::itest
