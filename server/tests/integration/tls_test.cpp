// Built-in TLS (--tls-cert, --tls-key): HTTPS and WSS on the server's own port, with a
// certificate the test makes, and the certificate read again on SIGHUP.

#include <signal.h>

#include <fstream>

#include "files_support.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "tls_client.hpp"

namespace parlor::itest {
namespace {

// A self-signed certificate for 127.0.0.1 with this common name, and its key, as PEM files
// in `dir`; throws if openssl fails.
void make_certificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                      const std::string& common_name) {
    auto log = cert.parent_path() / "openssl.log";
    testing::child_process openssl(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.string(), "-out", cert.string(),
         "-days", "2", "-subj", "/CN=" + common_name, "-addext", "subjectAltName=IP:127.0.0.1"},
        {.stdout_to = log, .stderr_to = log});
    if (openssl.wait() != 0) throw std::runtime_error("openssl could not make a certificate");
}

class TlsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_certificate(cert(), key(), "parlor-first");
        server = std::make_unique<parlor_process>(std::map<std::string, std::string>{
            {"--tls-cert", cert().string()}, {"--tls-key", key().string()}});
        server->start_listening();  // its health check speaks plain HTTP
    }
    void TearDown() override {
        if (HasFailure() && server)
            std::cerr << "-------- parlor output --------\n" << server->log();
    }
    std::filesystem::path cert() const { return dir.path() / "cert.pem"; }
    std::filesystem::path key() const { return dir.path() / "key.pem"; }
    tls_reply get_health() { return tls_request(server->port(), cert(), "GET", "/api/health"); }

    testing::temp_dir dir;
    std::unique_ptr<parlor_process> server;
};

TEST_F(TlsTest, RoomsAndSocketsWorkOverHttpsAndWss) {
    auto health = get_health();
    EXPECT_EQ(health.reply.status, 200) << health.reply.body;
    EXPECT_EQ(health.peer_common_name, "parlor-first");
    EXPECT_NE(server->log().find(R"("url":"https://127.0.0.1:)"), std::string::npos);

    auto created = tls_request(server->port(), cert(), "POST", "/api/rooms", name_body("Ada"),
                               {{"Content-Type", "application/json"}});
    ASSERT_EQ(created.reply.status, 201) << created.reply.body;
    auto token = created.reply.json()["token"].get<std::string>();

    auto state =
        wss_first_reply(server->port(), cert(),
                        nlohmann::json{{"type", "room:join"}, {"data", {{"token", token}}}}.dump());
    ASSERT_TRUE(state.has_value()) << "no answer over wss";
    auto frame = nlohmann::json::parse(*state);
    EXPECT_EQ(frame["type"], "room:state") << *state;
    EXPECT_EQ(frame["data"]["members"][0]["displayName"], "Ada");
}

// Uploads go through TLS, and downloads too (read and written: sendfile cannot encrypt).
TEST_F(TlsTest, AFileGoesUpAndComesBackOverHttps) {
    auto call = [&](std::string_view method, const std::string& target, std::string_view body,
                    const header_list& headers) {
        return tls_request(server->port(), cert(), method, target, body, headers).reply;
    };
    auto created = call("POST", "/api/rooms", name_body("Ada"), {});
    ASSERT_EQ(created.status, 201) << created.body;
    auto code = created.json()["room"]["code"].get<std::string>();
    auto auth = bearer(created.json()["token"].get<std::string>());
    auto bytes = binary_bytes(700 * 1024 + 5);  // several chunks, the last one short

    auto prepared = call("POST", "/api/rooms/" + code + "/files/prepare",
                         nlohmann::json{{"filename", "big.bin"},
                                        {"mimeType", "application/octet-stream"},
                                        {"sizeBytes", bytes.size()},
                                        {"sha256", sha256_of(bytes)}}
                             .dump(),
                         auth);
    ASSERT_EQ(prepared.status, 201) << prepared.body;
    auto file_id = prepared.json()["fileId"].get<std::string>();
    auto put = call("PUT", target_of(prepared.json()["upload"]["url"]), bytes,
                    {{"Content-Type", "application/octet-stream"}});
    ASSERT_EQ(put.status, 204) << put.body;
    auto done = call("POST", "/api/rooms/" + code + "/files/complete",
                     nlohmann::json{{"fileId", file_id}}.dump(), auth);
    ASSERT_EQ(done.status, 201) << done.body;
    auto link = call("GET", "/api/files/" + file_id + "/download", {}, auth);
    ASSERT_EQ(link.status, 200) << link.body;
    auto download = call("GET", target_of(link.json()["url"]), {}, {});
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.body.size(), bytes.size());
    EXPECT_TRUE(download.body == bytes) << "the downloaded bytes differ";
}

// Someone who typed http:// for the TLS port is sent to https://, and nothing else changes.
TEST_F(TlsTest, PlainHttpOnTheTlsPortIsSentToHttps) {
    auto host = "127.0.0.1:" + std::to_string(server->port());  // as a browser sends it
    auto r = request(server->port(), "GET", "/abcd-efgh-jkmn?x=1", {}, {{"Host", host}});
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.header("Location"), "https://" + host + "/abcd-efgh-jkmn?x=1");
    auto without_host = send_raw(server->port(), "GET / HTTP/1.0\r\n\r\n");
    auto refused = without_host.first_reply();
    ASSERT_TRUE(refused.has_value()) << without_host.received;
    EXPECT_EQ(refused->status, 400);
    EXPECT_EQ(get_health().reply.status, 200);
}

TEST_F(TlsTest, SighupReadsTheCertificateAgainAndABrokenOneKeepsTheOld) {
    ASSERT_EQ(get_health().peer_common_name, "parlor-first");

    make_certificate(cert(), key(), "parlor-renewed");
    server->send_signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("tls_reloaded"));
    EXPECT_EQ(get_health().peer_common_name, "parlor-renewed");

    std::ofstream(key(), std::ios::trunc) << "not a key\n";
    server->send_signal(SIGHUP);
    auto failed = server->wait_for_log("tls_reload_failed");
    ASSERT_TRUE(failed.has_value());
    EXPECT_NE(failed->find("key.pem"), std::string::npos) << *failed;
    // The renewed pair keeps serving (the certificate file verifies: it did not change).
    auto still = get_health();
    EXPECT_EQ(still.reply.status, 200);
    EXPECT_EQ(still.peer_common_name, "parlor-renewed");
}

TEST(TlsSettingsTest, AMissingHalfOrAMismatchedPairStopsTheStart) {
    testing::temp_dir dir;
    auto cert = dir.path() / "cert.pem", key = dir.path() / "key.pem";
    auto other_cert = dir.path() / "other-cert.pem", other_key = dir.path() / "other-key.pem";
    make_certificate(cert, key, "one");
    make_certificate(other_cert, other_key, "two");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--tls-cert", cert.string()}, "--tls-key"},
        {{"--tls-key", key.string()}, "--tls-cert"},
        {{"--tls-cert", cert.string(), "--tls-key", other_key.string()}, "does not match"},
        {{"--tls-cert", key.string(), "--tls-key", key.string()}, "cannot use the TLS certificate"},
    };
    for (const auto& [args, expected] : cases) EXPECT_TRUE(refuses_to_start(args, expected));
}

}  // namespace
}  // namespace parlor::itest
