#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// AWS Signature Version 4 for S3: presigned URLs that browsers use, and signed headers for
// the requests the server makes itself. Pure functions of their inputs (time included), so
// they can be checked against AWS's published examples and against botocore.
namespace parlor::blobs::sigv4 {

using name_value_list = std::vector<std::pair<std::string, std::string>>;

// AWS's URI encoding: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes %XX (uppercase).
// '/' stays unless `encode_slash` (object key paths keep it; query names and values do not).
std::string uri_encode(std::string_view text, bool encode_slash);

// "scheme://host[:port]", parsed. The port is kept only when it is not the scheme's default.
struct service_endpoint {
    std::string scheme;  // "http" or "https"
    std::string host;    // lowercase; an IPv6 literal keeps its brackets
    std::optional<std::uint16_t> port;

    // host[:port], as the Host header and the URL spell it.
    std::string authority() const;
    bool host_is_ip_literal() const;
};

// Throws std::invalid_argument unless `url` is http(s)://host[:port] with nothing after it
// (a single trailing '/' is tolerated).
service_endpoint parse_endpoint(std::string_view url);

// S3's naming rules (3-63 of a-z 0-9 . -, starting and ending with a letter or digit, no
// ".."), which also make the name usable as a host name label for virtual-host addressing.
bool is_valid_bucket_name(std::string_view name);

enum class addressing {
    path_style,    // scheme://host/bucket/key
    virtual_host,  // scheme://bucket.host/key
};

// The bucket, or an object in it, and how the URL names it.
struct location {
    service_endpoint endpoint;
    addressing style = addressing::path_style;
    std::string bucket;
    std::string key;  // empty: the bucket itself
};

struct credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // temporary credentials only; empty otherwise
};

// What every signature covers.
struct signing_input {
    std::string method;  // GET, PUT, HEAD or DELETE
    location target;
    std::string region;
    std::string service = "s3";
    credentials keys;
    std::int64_t unix_time = 0;  // the signing time, whole seconds
};

constexpr std::int64_t max_presign_seconds = 604'800;  // 7 days, S3's limit

// A URL that anyone holding it can use for `input.method` until `expires_seconds`
// (1..604800) after the signing time. The host header is signed, and so is each of
// `signed_headers` (e.g. content-length, x-amz-checksum-sha256): the client must send them
// with exactly these values, so S3 refuses a request with others. The payload is
// UNSIGNED-PAYLOAD. `extra_query` (e.g. response-content-disposition) is part of the URL
// and of the signature. Query parameters come out in canonical (sorted) order,
// X-Amz-Signature last. Throws std::invalid_argument on malformed input.
std::string presign_url(const signing_input& input, std::int64_t expires_seconds,
                        const name_value_list& extra_query = {},
                        const name_value_list& signed_headers = {});

struct signed_request_headers {
    std::string url;
    name_value_list headers;  // Host, x-amz-*, Authorization, and the extra ones; send all
};

// Signs with an Authorization header. `extra_headers` are sent and signed too.
// `payload_sha256` is the body's lowercase hex SHA-256; empty means an empty body.
// Throws std::invalid_argument on malformed input.
signed_request_headers sign_headers(const signing_input& input,
                                    const name_value_list& extra_headers = {},
                                    std::string_view payload_sha256 = {});

}  // namespace parlor::blobs::sigv4
