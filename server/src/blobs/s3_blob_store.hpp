#pragma once

#include <string>

#include "blobs/blob_store.hpp"
#include "blobs/sigv4.hpp"
#include "common/time.hpp"

namespace parlor::blobs {

struct s3_config {
    std::string endpoint;  // e.g. https://s3.us-east-1.amazonaws.com or http://127.0.0.1:4568
    std::string region;    // e.g. us-east-1; part of every signature
    std::string bucket;
    bool path_style = false;  // endpoint/bucket/key instead of bucket.endpoint/key
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // temporary credentials only; empty otherwise
    std::string key_prefix;     // e.g. "parlor/"; put before every key
};

// File bytes in an S3-compatible bucket. Browsers PUT and GET the bytes with presigned
// URLs; the server itself asks about objects (HEAD), reads one to check its SHA-256 where
// the service keeps no checksum, and deletes them, over libcurl. An upload URL signs the
// size and the SHA-256 (content-length, x-amz-checksum-sha256), so S3 takes no other bytes.
class s3_blob_store final : public blob_store {
  public:
    // Throws std::invalid_argument naming the setting that is wrong. `clock` gives the
    // signing time and must outlive the store.
    s3_blob_store(s3_config config, const clock& clock);

    // The origin browsers upload to and download from (for the page's connect-src).
    std::string browser_origin() const;

    void check() override;
    signed_request presign_upload(const std::string& key, std::uint64_t size,
                                  const std::string& mime_type, const std::string& sha256,
                                  millis expires_at) override;
    signed_request presign_download(const std::string& key, const download_naming& naming,
                                    millis expires_at) override;
    std::optional<stored_object> stat(const std::string& key) override;
    void remove(const std::string& key) override;

  private:
    struct response;

    // What a signature over `method` on `full_key` (empty: the bucket) covers, now.
    sigv4::signing_input signing_for(std::string method, const std::string& full_key) const;
    // The prefix and `key`; throws std::invalid_argument for keys S3 or clients would mangle.
    std::string object_key(const std::string& key) const;
    signed_request presign(std::string method, const std::string& key, millis expires_at,
                           const sigv4::name_value_list& extra_query,
                           const sigv4::name_value_list& signed_headers = {}) const;
    // A header-signed request without a body; throws error(unavailable) if it gets no answer.
    // With `hash_body`, the response body is not kept but hashed (response::body_sha256).
    response send(const std::string& method, const std::string& full_key,
                  const sigv4::name_value_list& extra_headers = {}, bool hash_body = false) const;

    s3_config config_;
    sigv4::service_endpoint endpoint_;
    const clock& clock_;
};

}  // namespace parlor::blobs
