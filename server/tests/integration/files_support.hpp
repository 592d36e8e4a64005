#pragma once

// What the shared-files test files share: SHA-256 (OpenSSL's, not the server's), test bytes,
// and a fixture with shortcuts for prepare, the signed PUT, complete, the list and downloads.

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "realtime_support.hpp"

namespace parlor::itest {

// SHA-256 fed piece by piece, as lowercase hex.
class sha256_hasher {
  public:
    sha256_hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
    }
    void update(std::string_view bytes) {
        EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
    }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), digest, &length);
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < length; ++i) {
            out.push_back(digits[digest[i] >> 4]);
            out.push_back(digits[digest[i] & 0x0f]);
        }
        return out;
    }

  private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

inline std::string sha256_of(std::string_view bytes) {
    sha256_hasher hasher;
    hasher.update(bytes);
    return hasher.hex();
}

// `n` bytes that are not text: every byte value, in a sequence that does not repeat soon.
inline std::string binary_bytes(std::size_t n, std::uint64_t seed = 1) {
    std::string out(n, '\0');
    std::uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
    for (auto& c : out) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        c = static_cast<char>(state >> 56);
    }
    return out;
}

// The path and query of an absolute URL: "http://host:port/blobs/k?x" -> "/blobs/k?x".
inline std::string target_of(const std::string& url) {
    auto authority = url.find("://");
    if (authority == std::string::npos) return url;
    auto path = url.find('/', authority + 3);
    return path == std::string::npos ? "/" : url.substr(path);
}

// The object key of a /blobs/<key>?… target.
inline std::string key_of(const std::string& target) {
    auto path = target.substr(0, target.find('?'));
    return path.substr(path.rfind('/') + 1);
}

// A prepared upload as a client keeps it.
struct upload_slot {
    std::string file_id;
    std::string target;  // the upload URL's path and query, for our own connection
    nlohmann::json body;
};

class files_test : public realtime_test {
  protected:
    static nlohmann::json prepare_body(const std::string& filename, const std::string& mime,
                                       std::string_view bytes) {
        return {{"filename", filename},
                {"mimeType", mime},
                {"sizeBytes", bytes.size()},
                {"sha256", sha256_of(bytes)}};
    }

    std::string files_path(const admission& who, const std::string& what) const {
        return "/api/rooms/" + who.code + "/files" + what;
    }

    http_reply prepare(const admission& who, const nlohmann::json& body) {
        return api().call("POST", files_path(who, "/prepare"), body.dump(), bearer(who.token));
    }
    // A prepared upload; throws unless the server answered 201.
    upload_slot prepare_upload(const admission& who, const std::string& filename,
                               const std::string& mime, std::string_view bytes) {
        auto r = prepare(who, prepare_body(filename, mime, bytes));
        if (r.status != 201) throw std::runtime_error("prepare failed: " + r.body);
        auto body = r.json();
        return {body["fileId"], target_of(body["upload"]["url"]), body};
    }
    // The signed PUT, as a browser's fetch() would send it.
    http_reply put(const std::string& target, std::string_view bytes) {
        return api().call("PUT", target, bytes, {{"Content-Type", "application/octet-stream"}});
    }
    http_reply complete(const admission& who, const std::string& file_id) {
        return api().call("POST", files_path(who, "/complete"),
                          nlohmann::json{{"fileId", file_id}}.dump(), bearer(who.token));
    }
    // prepare, PUT and complete; the File. Throws if any step fails.
    nlohmann::json share(const admission& who, const std::string& filename, const std::string& mime,
                         std::string_view bytes) {
        auto slot = prepare_upload(who, filename, mime, bytes);
        auto stored = put(slot.target, bytes);
        if (stored.status != 204) throw std::runtime_error("the upload failed: " + stored.body);
        auto done = complete(who, slot.file_id);
        if (done.status != 201) throw std::runtime_error("complete failed: " + done.body);
        return done.json()["file"];
    }

    http_reply list(const admission& who) {
        return api().call("GET", files_path(who, ""), {}, bearer(who.token));
    }
    http_reply download_link(const admission& who, const std::string& file_id,
                             const std::string& query = "") {
        return api().call("GET", "/api/files/" + file_id + "/download" + query, {},
                          bearer(who.token));
    }
    // The download URL's path and query; throws unless the server answered 200.
    std::string download_target(const admission& who, const std::string& file_id) {
        auto r = download_link(who, file_id);
        if (r.status != 200) throw std::runtime_error("download failed: " + r.body);
        return target_of(r.json()["url"]);
    }
    http_reply fetch(const std::string& target, const std::string& method = "GET",
                     const header_list& headers = {}) {
        return api().call(method, target, {}, headers);
    }

    std::filesystem::path objects_dir() { return server().data_dir() / "files" / "objects"; }
    std::filesystem::path uploads_dir() { return server().data_dir() / "files" / "uploads"; }
};

}  // namespace parlor::itest
