#include "auth/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/random.hpp"

namespace parlor::auth {
namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string load_or_create_secret(const std::string& configured,
                                  const std::filesystem::path& data_dir) {
    if (!configured.empty()) {
        if (configured.size() < 32) {
            throw std::runtime_error("the token secret must be at least 32 characters long");
        }
        return configured;
    }
    auto path = data_dir / "token-secret";
    std::string fresh = random_hex(32);
    // O_EXCL: of two processes starting at once, exactly one writes the file.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fresh += '\n';
        bool written =
            ::write(fd, fresh.data(), fresh.size()) == static_cast<ssize_t>(fresh.size());
        written = (::fsync(fd) == 0) && written;
        ::close(fd);
        if (!written) throw std::runtime_error("cannot write " + path.string());
    } else if (errno != EEXIST) {
        throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        throw std::runtime_error(path.string() +
                                 " is readable by other users; run chmod 600 on it");
    }
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    std::string secret = trimmed(content.str());
    if (secret.size() < 32) throw std::runtime_error(path.string() + " holds no usable secret");
    return secret;
}

}  // namespace parlor::auth
