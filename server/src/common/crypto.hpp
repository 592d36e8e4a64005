#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace parlor {

// SHA-256 and HMAC-SHA256 over OpenSSL, for signatures and file digests.
std::string to_hex(std::string_view bytes);
std::string sha256_hex(std::string_view data);
// The raw 32-byte MAC.
std::string hmac_sha256(std::string_view key, std::string_view data);
// The raw 20-byte MAC. Only where a peer's scheme fixes SHA-1 (coturn's REST credentials).
std::string hmac_sha1(std::string_view key, std::string_view data);
// Standard base64 (RFC 4648 section 4) with `=` padding.
std::string base64(std::string_view bytes);
// URL-safe base64 (RFC 4648 section 5) without padding, as JWTs are written.
std::string base64url(std::string_view bytes);
// Compares secrets without leaking where they differ through timing.
bool constant_time_equal(std::string_view a, std::string_view b);

// A digest fed piece by piece (file uploads, which never sit in memory whole).
class sha256_stream {
  public:
    sha256_stream();
    ~sha256_stream();
    sha256_stream(const sha256_stream&) = delete;
    sha256_stream& operator=(const sha256_stream&) = delete;

    void update(const void* data, std::size_t size);
    // Lowercase hex of everything fed so far; the stream is done after this.
    std::string finish_hex();

  private:
    struct context;
    std::unique_ptr<context> ctx_;
};

}  // namespace parlor
