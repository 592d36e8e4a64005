#include "auth/secret.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace parlor::auth {
namespace {

TEST(Secret, IsGeneratedOnceWithOwnerOnlyPermissions) {
    testing::temp_dir dir;
    auto first = load_or_create_secret("", dir.path());
    EXPECT_EQ(first.size(), 64u);  // 32 random bytes as hex
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "token-secret").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    EXPECT_EQ(load_or_create_secret("", dir.path()), first);
}

TEST(Secret, DiffersBetweenDataDirectories) {
    testing::temp_dir a, b;
    EXPECT_NE(load_or_create_secret("", a.path()), load_or_create_secret("", b.path()));
}

TEST(Secret, ConfiguredSecretWinsAndWritesNothing) {
    testing::temp_dir dir;
    std::string configured(40, 'k');
    EXPECT_EQ(load_or_create_secret(configured, dir.path()), configured);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "token-secret"));
}

TEST(Secret, ShortConfiguredSecretIsRefused) {
    testing::temp_dir dir;
    EXPECT_THROW(load_or_create_secret("short", dir.path()), std::runtime_error);
}

TEST(Secret, WorldReadableSecretFileIsRefused) {
    testing::temp_dir dir;
    load_or_create_secret("", dir.path());
    std::filesystem::permissions(dir.path() / "token-secret", std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    EXPECT_THROW(load_or_create_secret("", dir.path()), std::runtime_error);
}

}  // namespace
}  // namespace parlor::auth
