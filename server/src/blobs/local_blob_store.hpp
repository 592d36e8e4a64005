#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "blobs/blob_store.hpp"
#include "blobs/signed_url.hpp"
#include "common/crypto.hpp"

namespace parlor::blobs {

// An open file descriptor, closed when it goes.
class unique_fd {
  public:
    explicit unique_fd(int fd = -1) : fd_(fd) {}
    ~unique_fd();
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept;
    int get() const { return fd_; }

  private:
    int fd_;
};

// An object ready to be sent: its descriptor and size.
struct object_file {
    unique_fd fd;
    std::uint64_t size = 0;
};

// One upload's bytes on their way in: written to a temporary file while their SHA-256 is
// computed, then moved into place whole by commit(). Dropped uncommitted, it leaves
// nothing behind. `temp` is open and locked (one PUT per link at a time).
class local_upload {
  public:
    local_upload(std::filesystem::path temp, unique_fd locked_temp, std::filesystem::path object,
                 std::filesystem::path digest, std::uint64_t expected_size);
    ~local_upload();
    local_upload(const local_upload&) = delete;
    local_upload& operator=(const local_upload&) = delete;

    void write(const char* data, std::size_t size);
    std::uint64_t written() const { return written_; }
    // Flushes to disk and publishes the object; throws parlor::error(forbidden) if an
    // object already exists under this key (a link uploads one object, once).
    void commit();

  private:
    std::filesystem::path temp_, object_, digest_;
    std::uint64_t expected_size_;
    std::uint64_t written_ = 0;
    unique_fd fd_;
    sha256_stream hash_;
    bool committed_ = false;
};

// File bytes under `<data_dir>/files`, the embedded default: `objects/<key>` with its
// SHA-256 in `objects/<key>.sha256`, uploads in progress in `uploads/`. Parlor itself
// serves the signed links (net/blob_transfer), so URLs are paths on its own origin.
class local_blob_store final : public blob_store {
  public:
    local_blob_store(std::filesystem::path root, std::string signing_key, const clock& clock);

    void check() override;
    signed_request presign_upload(const std::string& key, std::uint64_t size,
                                  const std::string& mime_type, const std::string& sha256,
                                  millis expires_at) override;
    signed_request presign_download(const std::string& key, const download_naming& naming,
                                    millis expires_at) override;
    std::optional<stored_object> stat(const std::string& key) override;
    void remove(const std::string& key) override;
    std::optional<std::uint64_t> free_space() override;

    // For parlor's own /blobs/<key> endpoint. Both throw parlor::error(forbidden) for an
    // expired or invalid link, and not_found for a key that cannot exist.
    std::uint64_t authorize_upload(std::string_view key, std::string_view query) const;
    download_naming authorize_download(std::string_view key, std::string_view query) const;

    // Throws parlor::error(upload_in_progress) while another PUT to the same link is
    // arriving (in this process or another on the same directory), and forbidden once the
    // link's object exists.
    std::unique_ptr<local_upload> begin_upload(std::string_view key, std::uint64_t size);
    std::optional<object_file> open(std::string_view key) const;

  private:
    std::filesystem::path object_path(std::string_view key) const;
    std::filesystem::path digest_path(std::string_view key) const;

    std::filesystem::path root_;
    url_signer signer_;
    const clock& clock_;
};

// Keys are the server's own UUIDs; anything else is refused before touching the disk.
bool is_valid_key(std::string_view key);

}  // namespace parlor::blobs
