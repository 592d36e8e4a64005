#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace parlor {

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    sha256_stream digest;
    digest.update(data.data(), data.size());
    return digest.finish_hex();
}

namespace {

std::string hmac(const EVP_MD* digest, const char* name, std::string_view key,
                 std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(digest, key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length)) {
        throw std::runtime_error(std::string(name) + " failed");
    }
    return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
    return hmac(EVP_sha256(), "HMAC-SHA256", key, data);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
    return hmac(EVP_sha1(), "HMAC-SHA1", key, data);
}

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                 reinterpret_cast<const unsigned char*>(bytes.data()),
                                 static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::string base64url(std::string_view bytes) {
    std::string out = base64(bytes);
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=') out.pop_back();
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct sha256_stream::context {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~context() { EVP_MD_CTX_free(md); }
};

sha256_stream::sha256_stream() : ctx_(std::make_unique<context>()) {
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 is unavailable");
    }
}

sha256_stream::~sha256_stream() = default;

void sha256_stream::update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(ctx_->md, data, size) != 1) throw std::runtime_error("SHA-256 failed");
}

std::string sha256_stream::finish_hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_->md, digest, &length) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace parlor
