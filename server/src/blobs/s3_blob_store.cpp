#include "blobs/s3_blob_store.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>

#include "blobs/disposition.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"

namespace parlor::blobs {
namespace {

constexpr long connect_timeout_ms = 5'000;
constexpr long total_timeout_ms = 30'000;
constexpr std::size_t max_key_bytes = 1024;  // S3's limit
// Enough of an error body for the log to show S3's <Code> and <Message>.
constexpr std::size_t max_logged_body = 2048;

struct curl_deleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct curl_list_deleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using curl_ptr = std::unique_ptr<CURL, curl_deleter>;
using curl_list_ptr = std::unique_ptr<curl_slist, curl_list_deleter>;

void init_curl_once() {
    // curl_global_init is not thread-safe; a function-local static runs it exactly once.
    static const bool initialised = [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("libcurl could not initialise");
        return true;
    }();
    (void)initialised;
}

[[noreturn]] void unavailable() {
    throw error(error_code::unavailable, "File storage is unavailable");
}

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

// Browsers and HTTP clients resolve "." and ".." path segments before sending, so a key
// with them would be signed for one path and requested at another.
bool is_usable_key(std::string_view key) {
    if (key.size() > max_key_bytes) return false;
    if (std::any_of(key.begin(), key.end(), [](char c) { return is_control(c); })) return false;
    std::size_t start = 0;
    while (start <= key.size()) {
        std::size_t end = std::min(key.find('/', start), key.size());
        std::string_view segment = key.substr(start, end - start);
        if (segment == "." || segment == "..") return false;
        start = end + 1;
    }
    return true;
}

// Seconds from the signing time to `expires_at`, rounded up so the URL lasts at least that
// long, and at least 1 (S3's minimum).
std::int64_t lifetime_seconds(std::int64_t signed_at, millis expires_at) {
    millis remaining = expires_at - signed_at * 1000;
    if (remaining > sigv4::max_presign_seconds * 1000)
        throw std::invalid_argument("a presigned URL cannot last more than 7 days");
    return std::max<std::int64_t>(1, (remaining + 999) / 1000);
}

// Lowercase hex <-> raw bytes, for the checksum header (base64 of the raw digest).
std::string raw_from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    if (hex.size() % 2 != 0) throw std::invalid_argument("a SHA-256 in hex has an odd length");
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int high = nibble(hex[i]), low = nibble(hex[i + 1]);
        if (high < 0 || low < 0) throw std::invalid_argument("a SHA-256 is not hex");
        out.push_back(static_cast<char>(high * 16 + low));
    }
    return out;
}

std::optional<std::string> raw_from_base64(std::string_view text) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        auto at = alphabet.find(c);
        if (at == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(at);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

std::size_t keep_body_start(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    std::size_t bytes = size * count;
    std::size_t room = max_logged_body - std::min(body->size(), max_logged_body);
    body->append(data, std::min(bytes, room));
    return bytes;
}

}  // namespace

struct s3_blob_store::response {
    long status = 0;
    curl_off_t content_length = -1;  // -1 when the response did not say
    std::string body_start;
    std::string checksum_sha256;               // the x-amz-checksum-sha256 header (base64), if any
    std::unique_ptr<sha256_stream> body_hash;  // with hash_body
    std::optional<std::string> body_sha256;    // with hash_body, after a complete answer
};

namespace {

std::size_t hash_body_chunk(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<sha256_stream*>(user)->update(data, size * count);
    return size * count;
}

std::size_t keep_checksum_header(char* data, std::size_t size, std::size_t count, void* user) {
    std::string_view line(data, size * count);
    constexpr std::string_view name = "x-amz-checksum-sha256:";
    if (line.size() > name.size()) {
        std::string lower(line.substr(0, name.size()));
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower == name) {
            auto value = line.substr(name.size());
            auto first = value.find_first_not_of(" \t");
            auto last = value.find_last_not_of(" \t\r\n");
            if (first != std::string_view::npos)
                static_cast<std::string*>(user)->assign(value.substr(first, last - first + 1));
        }
    }
    return size * count;
}

}  // namespace

s3_blob_store::s3_blob_store(s3_config config, const clock& clock)
    : config_(std::move(config)), clock_(clock) {
    init_curl_once();
    try {
        endpoint_ = sigv4::parse_endpoint(config_.endpoint);
        if (!config_.key_prefix.empty() && !is_usable_key(config_.key_prefix))
            throw std::invalid_argument("the key prefix is too long or has . or .. segments");
        // Certificates cover one label under the endpoint (*.s3.amazonaws.com), not two.
        if (!config_.path_style && endpoint_.scheme == "https" &&
            config_.bucket.find('.') != std::string::npos)
            throw std::invalid_argument("a bucket name with dots needs path_style over https");
        // Signing once now reports a bad region, bucket or credential at startup rather
        // than at the first upload.
        sigv4::presign_url(signing_for("HEAD", ""), 1);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("S3 settings: ") + e.what());
    }
}

std::string s3_blob_store::browser_origin() const {
    auto host =
        config_.path_style ? endpoint_.authority() : config_.bucket + "." + endpoint_.authority();
    return endpoint_.scheme + "://" + host;
}

void s3_blob_store::check() {
    response bucket = send("HEAD", "");
    if (bucket.status != 200) {
        spdlog::error("S3 bucket {} at {} answered HEAD with HTTP {}", config_.bucket,
                      config_.endpoint, bucket.status);
        unavailable();
    }
}

signed_request s3_blob_store::presign_upload(const std::string& key, std::uint64_t size,
                                             const std::string& /*mime_type*/,
                                             const std::string& sha256, millis expires_at) {
    // The size and the digest are signed: S3 refuses a PUT whose Content-Length differs,
    // and checks the body against x-amz-checksum-sha256 (400 BadDigest), so the link
    // stores these bytes or nothing, also after complete. The browser sets Content-Length
    // itself (from the body); the checksum header it must add is in `headers`.
    std::string checksum = base64(raw_from_hex(sha256));
    auto signed_req =
        presign("PUT", key, expires_at, {},
                {{"content-length", std::to_string(size)}, {"x-amz-checksum-sha256", checksum}});
    signed_req.headers = {{"x-amz-checksum-sha256", checksum}};
    return signed_req;
}

signed_request s3_blob_store::presign_download(const std::string& key,
                                               const download_naming& naming, millis expires_at) {
    if (naming.filename.empty() || naming.mime_type.empty())
        throw std::invalid_argument("a download needs a filename and a MIME type");
    // S3 sends these back as the response's headers, so the browser saves the file under
    // its name instead of rendering it.
    return presign("GET", key, expires_at,
                   {{"response-content-disposition", attachment_disposition(naming.filename)},
                    {"response-content-type", naming.mime_type}});
}

std::optional<stored_object> s3_blob_store::stat(const std::string& key) {
    std::string full_key = object_key(key);
    // S3 answers the SHA-256 it checked at the PUT when asked for it.
    response object = send("HEAD", full_key, {{"x-amz-checksum-mode", "ENABLED"}});
    if (object.status == 404) return std::nullopt;
    if (object.status != 200 || object.content_length < 0) {
        // A 403 here for a missing key means the credentials lack s3:ListBucket.
        spdlog::error("S3 HEAD of {} answered HTTP {} (content length {})", full_key, object.status,
                      object.content_length);
        unavailable();
    }
    stored_object found{static_cast<std::uint64_t>(object.content_length), std::nullopt};
    if (auto raw = raw_from_base64(object.checksum_sha256); raw && raw->size() == 32) {
        found.sha256 = to_hex(*raw);
        return found;
    }
    // A service that keeps no checksum (or an object stored without one): read it and hash
    // it, as the local store does. Costs one read of the object, once, at complete.
    response body = send("GET", full_key, {}, true);
    if (body.status == 404) return std::nullopt;
    if (body.status != 200 || !body.body_sha256) {
        spdlog::error("S3 GET of {} to check its SHA-256 answered HTTP {}", full_key, body.status);
        unavailable();
    }
    found.sha256 = *body.body_sha256;
    return found;
}

void s3_blob_store::remove(const std::string& key) {
    std::string full_key = object_key(key);
    response deleted = send("DELETE", full_key);
    if (deleted.status != 204 && deleted.status != 200 && deleted.status != 404) {
        spdlog::error("S3 DELETE of {} answered HTTP {}: {}", full_key, deleted.status,
                      deleted.body_start);
        unavailable();
    }
}

sigv4::signing_input s3_blob_store::signing_for(std::string method,
                                                const std::string& full_key) const {
    auto style =
        config_.path_style ? sigv4::addressing::path_style : sigv4::addressing::virtual_host;
    return {.method = std::move(method),
            .target = {endpoint_, style, config_.bucket, full_key},
            .region = config_.region,
            .keys = {config_.access_key_id, config_.secret_access_key, config_.session_token},
            .unix_time = clock_.now() / 1000};
}

std::string s3_blob_store::object_key(const std::string& key) const {
    std::string full_key = config_.key_prefix + key;
    if (key.empty() || !is_usable_key(full_key))
        throw std::invalid_argument("an object key is empty, too long, or has . or .. segments");
    return full_key;
}

signed_request s3_blob_store::presign(std::string method, const std::string& key, millis expires_at,
                                      const sigv4::name_value_list& extra_query,
                                      const sigv4::name_value_list& signed_headers) const {
    sigv4::signing_input input = signing_for(std::move(method), object_key(key));
    std::int64_t seconds = lifetime_seconds(input.unix_time, expires_at);
    std::string url = sigv4::presign_url(input, seconds, extra_query, signed_headers);
    // Report when the URL really stops working: the signing second plus whole seconds.
    return {input.method, std::move(url), {}, (input.unix_time + seconds) * 1000};
}

s3_blob_store::response s3_blob_store::send(const std::string& method, const std::string& full_key,
                                            const sigv4::name_value_list& extra_headers,
                                            bool hash_body) const {
    sigv4::signed_request_headers request =
        sigv4::sign_headers(signing_for(method, full_key), extra_headers);
    curl_ptr handle(curl_easy_init());
    if (!handle) throw std::bad_alloc();
    curl_list_ptr headers;
    for (const auto& [name, value] : request.headers) {
        curl_slist* extended = curl_slist_append(headers.get(), (name + ": " + value).c_str());
        if (!extended) throw std::bad_alloc();
        headers.release();
        headers.reset(extended);
    }

    response result;
    char curl_error[CURL_ERROR_SIZE] = "";
    CURL* h = handle.get();
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: we are threaded
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    if (hash_body) {
        // A whole object may take longer than any fixed total: give up on a stall instead.
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, total_timeout_ms / 1000);
    } else {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_timeout_ms);
    }
    curl_easy_setopt(h, CURLOPT_USERAGENT, "parlor/" PARLOR_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep_checksum_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &result.checksum_sha256);
    if (hash_body) {
        result.body_hash = std::make_unique<sha256_stream>();
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hash_body_chunk);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, result.body_hash.get());
    } else {
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body_start);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &result.body_start);
    }

    CURLcode code = curl_easy_perform(h);
    if (code != CURLE_OK) {
        spdlog::error("S3 {} {} failed: {} {}", method, request.url, curl_easy_strerror(code),
                      curl_error);
        unavailable();
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
    curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &result.content_length);
    if (result.body_hash && result.status == 200)
        result.body_sha256 = result.body_hash->finish_hex();
    return result;
}

}  // namespace parlor::blobs
