// GET /api/health, as a load balancer or an operator's monitoring sees it.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support.hpp"

namespace parlor::itest {
namespace {

using HealthTest = parlor_test;

TEST_F(HealthTest, AnswersOkWithEveryCheck) {
    auto r = api().health();

    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto body = r.json();
    EXPECT_EQ(body["status"], "ok");
    EXPECT_EQ(body["version"], PARLOR_VERSION);
    EXPECT_EQ(body["checks"], (nlohmann::json{{"db", "ok"}, {"blobs", "ok"}, {"bus", "disabled"}}));
}

TEST_F(HealthTest, ReportsUnwritableFileStorageAs503AndRecovers) {
    namespace fs = std::filesystem;
    auto files = server().data_dir() / "files";
    ASSERT_TRUE(fs::is_directory(files));
    auto moved = server().data_dir() / "files.moved";
    if (::geteuid() != 0) {
        fs::permissions(files, fs::perms::none);
    } else {
        // root passes access() on a mode-000 directory, so break the storage the way a lost
        // mount or a mistaken deploy would: the path is no longer a directory.
        fs::rename(files, moved);
        std::ofstream(files) << "not a directory\n";
    }

    auto broken = api().health();

    EXPECT_EQ(broken.status, 503) << broken.body;
    auto body = broken.json();
    EXPECT_NE(body["status"], "ok");
    EXPECT_EQ(body["checks"]["blobs"], "error");
    EXPECT_EQ(body["checks"]["db"], "ok");
    EXPECT_EQ(body["checks"]["bus"], "disabled");
    EXPECT_EQ(body["version"], PARLOR_VERSION);

    // Once the operator repairs the storage, health recovers without a restart.
    if (::geteuid() != 0) {
        fs::permissions(files, fs::perms::owner_all);
    } else {
        fs::remove(files);
        fs::rename(moved, files);
    }
    auto repaired = api().health();
    EXPECT_EQ(repaired.status, 200) << repaired.body;
    EXPECT_EQ(repaired.json()["checks"]["blobs"], "ok");
}

TEST_F(HealthTest, ReportsMissingFileStorageAs503) {
    std::filesystem::remove_all(server().data_dir() / "files");

    auto r = api().health();

    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.json()["checks"]["blobs"], "error");
}

TEST_F(HealthTest, IsNotCachedAndCarriesARequestId) {
    auto first = api().health();
    auto second = api().health();

    EXPECT_EQ(first.header("Cache-Control"), "no-store");
    ASSERT_TRUE(first.header("X-Request-Id").has_value());
    ASSERT_TRUE(second.header("X-Request-Id").has_value());
    EXPECT_FALSE(first.header("X-Request-Id")->empty());
    EXPECT_NE(first.header("X-Request-Id"), second.header("X-Request-Id"));
}

TEST_F(HealthTest, OtherMethodsAre405AndSayWhatIsAllowed) {
    for (const char* method : {"POST", "DELETE", "PUT"}) {
        auto reply = api().call(method, "/api/health");
        EXPECT_TRUE(is_error(reply, 405, "method_not_allowed")) << method;
        EXPECT_EQ(reply.header("Allow"), "GET, HEAD") << method;
    }
}

TEST_F(HealthTest, HeadAnswersLikeGetWithoutABody) {
    auto get = api().call("GET", "/api/health");
    auto head = api().call("HEAD", "/api/health");
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
}

}  // namespace
}  // namespace parlor::itest
