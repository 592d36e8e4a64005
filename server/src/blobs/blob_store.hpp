#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.hpp"

namespace parlor::blobs {

// A request the client makes straight to the store: the bytes never pass through the
// signaling path. `url` is absolute; `headers` are the ones the client must send.
struct signed_request {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    millis expires_at = 0;
};

// What the store holds under a key.
struct stored_object {
    std::uint64_t size = 0;
    std::optional<std::string> sha256;  // lowercase hex, where the store knows it
};

// How a download presents itself to the browser.
struct download_naming {
    std::string filename;   // already sanitised for display
    std::string mime_type;  // already validated
};

// Where file bytes live, keyed by server-generated keys (never a user's filename).
// Every call may block (disk or network): run it on the blocking pool.
class blob_store {
  public:
    virtual ~blob_store() = default;
    // Throws parlor::error(unavailable) when the store cannot take bytes.
    virtual void check() = 0;
    // A URL that accepts one PUT of exactly `size` bytes to `key`, until `expires_at`.
    // `sha256` (lowercase hex) is what the uploader declared; a store that can make the
    // URL accept only those bytes does.
    virtual signed_request presign_upload(const std::string& key, std::uint64_t size,
                                          const std::string& mime_type, const std::string& sha256,
                                          millis expires_at) = 0;
    // A URL that GETs `key` as an attachment named `naming.filename`, until `expires_at`.
    virtual signed_request presign_download(const std::string& key, const download_naming& naming,
                                            millis expires_at) = 0;
    // The object under `key`, or nullopt when there is none (yet).
    virtual std::optional<stored_object> stat(const std::string& key) = 0;
    // Deletes the object and anything left of an upload to it; absent is not an error.
    virtual void remove(const std::string& key) = 0;
    // Bytes free on the disk that uploads fill; nullopt for a store that does not keep
    // bytes on the server's disk.
    virtual std::optional<std::uint64_t> free_space() { return std::nullopt; }
};

}  // namespace parlor::blobs
