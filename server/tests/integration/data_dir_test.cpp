// The data directory holds room codes (enough to join a room), the token secret and every
// shared file: other local users can neither enter it nor read anything in it.

#include <sys/stat.h>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

unsigned mode_of(const std::filesystem::path& path) {
    struct ::stat info {};
    if (::lstat(path.c_str(), &info) != 0) return 07777;
    return info.st_mode & 0777;
}

class DataDirTest : public files_test {};

TEST_F(DataDirTest, EverythingParlorWritesIsItsOwnersOnly) {
    auto ada = api().create_room("Ada");
    share(ada, "minutes.txt", "text/plain", "private minutes");
    auto data = server().data_dir();

    EXPECT_EQ(mode_of(data), 0700u) << std::oct << mode_of(data);
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
        SCOPED_TRACE(entry.path().string());
        unsigned expected = entry.is_directory() ? 0700u : 0600u;
        EXPECT_EQ(mode_of(entry.path()), expected) << std::oct << mode_of(entry.path());
        ++checked;
    }
    // The database and its WAL, the secret, the object and its digest were all looked at.
    for (const char* name : {"parlor.db", "parlor.db-wal", "parlor.db-shm", "token-secret"})
        EXPECT_TRUE(std::filesystem::exists(data / name)) << name;
    EXPECT_GE(checked, 9u);
}

TEST(DataDirRefusal, ADirectoryOthersCanReadOrEnterStopsTheStartWithTheFix) {
    auto root =
        std::filesystem::temp_directory_path() / ("parlor-datadir-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root);
    for (unsigned mode : {0755u, 0750u, 0701u, 0710u}) {
        SCOPED_TRACE(mode);
        auto dir = root / ("data-" + std::to_string(mode));
        std::filesystem::create_directories(dir);
        ASSERT_EQ(::chmod(dir.c_str(), mode), 0);

        auto run = run_parlor({"--port", "0", "--data-dir", dir.string()});

        EXPECT_TRUE(run.status.exited && run.status.code != 0) << run.status.describe();
        EXPECT_NE(run.err.find("chmod 700 " + dir.string()), std::string::npos) << run.err;
        EXPECT_EQ((run.out + run.err).find("listening"), std::string::npos);
        EXPECT_FALSE(std::filesystem::exists(dir / "parlor.db")) << "it wrote before refusing";
    }
    // Fixed as told, it starts.
    auto fixed = root / "data-493";
    ASSERT_EQ(::chmod(fixed.c_str(), 0700), 0);
    parlor_process server({{"--data-dir", fixed.string()}});
    server.start();
    EXPECT_EQ(parlor_client(server.port()).create(name_body("Ada")).status, 201);
    server.stop();
    std::filesystem::remove_all(root);
}

TEST(CommandLineTest, FileLimitsRefuseValuesThatMakeNoSense) {
    const std::vector<std::vector<std::string>> cases = {
        {"--room-max-files", "0"},       {"--room-max-files", "many"},
        {"--room-max-bytes", "0"},       {"--room-max-bytes", "2GiB"},
        {"--min-free-disk", "-1"},       {"--prepare-per-minute", "-1"},
        {"--room-retention-days", "-1"}, {"--sweep-interval", "0"},
    };
    for (const auto& args : cases) {
        SCOPED_TRACE(args[0] + " " + args[1]);
        auto run = run_parlor({args[0], args[1], "--port", "0", "--data-dir", "data"});
        EXPECT_TRUE(run.status.exited && run.status.code != 0) << run.status.describe();
        EXPECT_NE(run.err.find(args[0]), std::string::npos) << "stderr: " << run.err;
        EXPECT_EQ((run.out + run.err).find("listening"), std::string::npos);
    }
}

}  // namespace
}  // namespace parlor::itest
