#pragma once

// Tokens the tests make themselves, to try the server's checks: claims written by hand,
// signed with the server's own secret where the signature must be right and the flaw lies
// elsewhere. base64url is the server's own (common/crypto); the HMAC takes any digest, for
// tokens signed with an algorithm the server must refuse.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "support.hpp"

namespace parlor::itest {

inline long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The secret a server signs its tokens with (its data directory's token-secret file).
inline std::string token_secret_of(const std::filesystem::path& data_dir) {
    std::ifstream in(data_dir / "token-secret");
    std::string secret;
    std::getline(in, secret);
    return secret;
}

// A token's claims for `who`, valid from `issued_at` to `expires_at` (Unix seconds).
inline nlohmann::json claims_of(const admission& who, long long issued_at, long long expires_at) {
    return {{"sub", who.member_id}, {"room", who.room_id}, {"iat", issued_at}, {"exp", expires_at}};
}

// A JWT with this header and these claims, its signature an HMAC with `digest` and `secret`;
// with no digest, no signature (for `alg: none`).
inline std::string make_jwt(const nlohmann::json& header, const nlohmann::json& claims,
                            std::string_view secret, const EVP_MD* digest = EVP_sha256()) {
    auto signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
    if (digest == nullptr) return signing_input + ".";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(digest, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
         &length);
    return signing_input + "." +
           base64url(std::string_view(reinterpret_cast<const char*>(mac), length));
}

// An HS256 token as the server makes them.
inline std::string make_jwt(const nlohmann::json& claims, std::string_view secret) {
    return make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, secret);
}

}  // namespace parlor::itest
