#include "blobs/local_blob_store.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "common/error.hpp"

namespace parlor::blobs {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void storage_failed(const char* what, const fs::path& path) {
    int cause = errno;
    spdlog::error("file storage: {} {}: {}", what, path.string(), std::strerror(cause));
    if (cause == ENOSPC || cause == EDQUOT) {
        throw error(error_code::storage_full,
                    "The server's disk is full, so this upload was not kept; try again later");
    }
    throw error(error_code::unavailable, "File storage is unavailable");
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// The digest of an object whose sidecar is missing (a crash between publishing the object
// and writing its digest): read it once.
std::optional<std::string> digest_of_file(const fs::path& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return std::nullopt;
    sha256_stream hash;
    std::string buffer(1 << 20, '\0');
    for (;;) {
        auto n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        hash.update(buffer.data(), static_cast<std::size_t>(n));
    }
    return hash.finish_hex();
}

}  // namespace

bool is_valid_key(std::string_view key) {
    if (key.size() != 36) return false;
    for (std::size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        bool dash_place = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_place ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

unique_fd::~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
}

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

// ---- one upload ----

local_upload::local_upload(fs::path temp, unique_fd locked_temp, fs::path object, fs::path digest,
                           std::uint64_t expected_size)
    : temp_(std::move(temp)),
      object_(std::move(object)),
      digest_(std::move(digest)),
      expected_size_(expected_size),
      fd_(std::move(locked_temp)) {}

local_upload::~local_upload() {
    // Unlinked while still locked: a PUT waiting for the lock finds the name gone.
    if (!committed_) ::unlink(temp_.c_str());
}

void local_upload::write(const char* data, std::size_t size) {
    if (written_ + size > expected_size_) {
        throw error(error_code::bad_request, "The upload is larger than its link allows");
    }
    hash_.update(data, size);
    while (size > 0) {
        auto n = ::write(fd_.get(), data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) storage_failed("cannot write", temp_);
        data += n;
        size -= static_cast<std::size_t>(n);
        written_ += static_cast<std::uint64_t>(n);
    }
}

void local_upload::commit() {
    if (written_ != expected_size_) {
        throw error(error_code::bad_request, "The upload is shorter than its link requires");
    }
    if (::fdatasync(fd_.get()) != 0) storage_failed("cannot flush", temp_);
    // Never replace an object: a link uploads one object, once.
    if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, object_.c_str(), RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST) throw error(error_code::forbidden, "This upload link has been used");
        // The expired-upload sweep removed it while it was still arriving.
        if (errno == ENOENT) throw error(error_code::forbidden, "This link has expired");
        storage_failed("cannot publish", object_);
    }
    committed_ = true;
    // The digest goes in after the object; should it be lost, stat() recomputes it.
    auto digest_temp = digest_;
    digest_temp += ".tmp";
    {
        std::ofstream out(digest_temp, std::ios::trunc);
        out << hash_.finish_hex();
    }
    std::error_code ec;
    fs::rename(digest_temp, digest_, ec);
    if (ec)
        spdlog::warn("file storage: cannot keep the digest of {}: {}", object_.string(),
                     ec.message());
}

// ---- the store ----

local_blob_store::local_blob_store(fs::path root, std::string signing_key, const clock& clock)
    : root_(std::move(root)), signer_(std::move(signing_key)), clock_(clock) {
    fs::create_directories(root_ / "objects");
    fs::create_directories(root_ / "uploads");
}

void local_blob_store::check() {
    // Writable and present: what an upload needs. access() does not touch the disk.
    for (const auto& dir : {root_ / "objects", root_ / "uploads"}) {
        if (::access(dir.c_str(), W_OK | X_OK) != 0) {
            spdlog::error("blob directory {} is not writable", dir.string());
            throw error(error_code::unavailable, "File storage is unavailable");
        }
    }
}

signed_request local_blob_store::presign_upload(const std::string& key, std::uint64_t size,
                                                const std::string&, const std::string&,
                                                millis expires_at) {
    auto url = signer_.sign("PUT", key, {{"size", std::to_string(size)}}, expires_at);
    return {"PUT", std::move(url), {}, expires_at};
}

signed_request local_blob_store::presign_download(const std::string& key,
                                                  const download_naming& naming,
                                                  millis expires_at) {
    auto url = signer_.sign("GET", key, {{"name", naming.filename}, {"type", naming.mime_type}},
                            expires_at);
    return {"GET", std::move(url), {}, expires_at};
}

std::optional<stored_object> local_blob_store::stat(const std::string& key) {
    if (!is_valid_key(key)) return std::nullopt;
    struct ::stat info {};
    auto path = object_path(key);
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return std::nullopt;
        storage_failed("cannot stat", path);
    }
    stored_object object{static_cast<std::uint64_t>(info.st_size), std::nullopt};
    std::ifstream digest(digest_path(key));
    std::string hex;
    if (digest >> hex && hex.size() == 64) {
        object.sha256 = hex;
    } else {
        object.sha256 = digest_of_file(path);
    }
    return object;
}

void local_blob_store::remove(const std::string& key) {
    if (!is_valid_key(key)) return;
    std::error_code ignored;
    fs::remove(object_path(key), ignored);
    fs::remove(digest_path(key), ignored);
    // Uploads still in progress are named <key>.<random>.part: remove them too.
    for (const auto& entry : fs::directory_iterator(root_ / "uploads", ignored)) {
        if (entry.path().filename().string().starts_with(key + ".")) fs::remove(entry, ignored);
    }
}

std::optional<std::uint64_t> local_blob_store::free_space() {
    struct ::statvfs info {};
    if (::statvfs(root_.c_str(), &info) != 0) storage_failed("cannot measure", root_);
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

std::uint64_t local_blob_store::authorize_upload(std::string_view key,
                                                 std::string_view query) const {
    if (!is_valid_key(key)) throw error(error_code::not_found, "No such file");
    auto params = signer_.verify("PUT", key, query, clock_.now());
    auto size = params.contains("size") ? parse_size(params["size"]) : std::nullopt;
    if (!size) throw error(error_code::forbidden, "This link is not valid");
    return *size;
}

download_naming local_blob_store::authorize_download(std::string_view key,
                                                     std::string_view query) const {
    if (!is_valid_key(key)) throw error(error_code::not_found, "No such file");
    auto params = signer_.verify("GET", key, query, clock_.now());
    return {params["name"], params["type"]};
}

std::unique_ptr<local_upload> local_blob_store::begin_upload(std::string_view key,
                                                             std::uint64_t size) {
    auto object = object_path(key);
    if (fs::exists(object)) throw error(error_code::forbidden, "This upload link has been used");
    // One name per link, locked while its bytes arrive: a second PUT to the same link is
    // refused before it writes anything. The lock (not the name) says "in progress", so a
    // file left by a crashed process does not block the link: the kernel dropped its lock.
    auto temp = root_ / "uploads" / (std::string(key) + ".part");
    unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) storage_failed("cannot create", temp);
    auto in_progress = [] {
        return error(error_code::upload_in_progress,
                     "Another upload to this link is in progress; wait for it to finish");
    };
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) throw in_progress();
        storage_failed("cannot lock", temp);
    }
    // The upload that held the lock may have finished (and renamed or removed its file)
    // between our open and our lock: then we hold a file nobody else can see.
    struct ::stat opened {
    }, named{};
    if (::fstat(fd.get(), &opened) != 0) storage_failed("cannot stat", temp);
    if (::stat(temp.c_str(), &named) != 0 || named.st_ino != opened.st_ino ||
        named.st_dev != opened.st_dev) {
        if (fs::exists(object))
            throw error(error_code::forbidden, "This upload link has been used");
        throw in_progress();
    }
    // What a crashed upload left behind is overwritten.
    if (opened.st_size > 0 && ::ftruncate(fd.get(), 0) != 0) storage_failed("cannot reset", temp);
    return std::make_unique<local_upload>(std::move(temp), std::move(fd), std::move(object),
                                          digest_path(key), size);
}

std::optional<object_file> local_blob_store::open(std::string_view key) const {
    if (!is_valid_key(key)) return std::nullopt;
    auto path = object_path(key);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        storage_failed("cannot open", path);
    }
    struct ::stat info {};
    if (::fstat(fd.get(), &info) != 0) storage_failed("cannot stat", path);
    return object_file{std::move(fd), static_cast<std::uint64_t>(info.st_size)};
}

fs::path local_blob_store::object_path(std::string_view key) const {
    return root_ / "objects" / std::string(key);
}

fs::path local_blob_store::digest_path(std::string_view key) const {
    return root_ / "objects" / (std::string(key) + ".sha256");
}

}  // namespace parlor::blobs
