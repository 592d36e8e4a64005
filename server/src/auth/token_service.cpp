#include "auth/token_service.hpp"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "common/error.hpp"

namespace parlor::auth {
namespace {

constexpr millis iat_leeway_ms = 60'000;
// Times past the year 9999 (or before 1970) are no times a token of ours carries; refusing
// them also keeps seconds * 1000 within range.
constexpr long max_claim_seconds = 253'402'300'799;

struct jwt_deleter {
    void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct jwt_string_deleter {
    void operator()(char* s) const { std::free(s); }
};

[[noreturn]] void reject(const char* why) {
    throw error(error_code::unauthorized, why);
}

const unsigned char* key_bytes(const std::string& secret) {
    return reinterpret_cast<const unsigned char*>(secret.data());
}

}  // namespace

token_service::token_service(std::string secret, const clock& clock, std::chrono::seconds lifetime)
    : secret_(std::move(secret)), clock_(clock), lifetime_(lifetime) {
    if (secret_.size() < 32)
        throw std::invalid_argument("the token secret is shorter than 32 bytes");
}

issued_token token_service::issue(std::string_view member_id, std::string_view room_id) const {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::bad_alloc();
    jwt_ptr jwt(raw);
    millis now = clock_.now();
    millis expires_at =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(lifetime_).count();
    std::string sub(member_id), room(room_id);
    if (jwt_add_grant(jwt.get(), "sub", sub.c_str()) != 0 ||
        jwt_add_grant(jwt.get(), "room", room.c_str()) != 0 ||
        jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(now / 1000)) != 0 ||
        jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(expires_at / 1000)) != 0 ||
        jwt_set_alg(jwt.get(), JWT_ALG_HS256, key_bytes(secret_),
                    static_cast<int>(secret_.size())) != 0) {
        throw std::runtime_error("could not build a token");
    }
    std::unique_ptr<char, jwt_string_deleter> encoded(jwt_encode_str(jwt.get()));
    if (!encoded) throw std::runtime_error("could not sign a token");
    // `exp` has whole-second precision; report what the token really says.
    return {std::string(encoded.get()), (expires_at / 1000) * 1000};
}

token_claims token_service::verify(std::string_view token) const {
    if (token.empty() || token.size() > 4096) reject("The token is missing or malformed");
    std::string text(token);
    jwt_t* raw = nullptr;
    // libjwt checks the signature with our key; it refuses "none" when a key is given, and
    // we refuse anything that is not HS256 below, so no algorithm confusion is possible.
    if (jwt_decode(&raw, text.c_str(), key_bytes(secret_), static_cast<int>(secret_.size())) != 0) {
        if (raw) jwt_free(raw);
        reject("The token is invalid");
    }
    jwt_ptr jwt(raw);
    // libjwt reads the algorithm's name without regard to case ("hS256" is HS256 to it);
    // JOSE names are case-sensitive (RFC 7515 4.1.1), and we take exactly "HS256".
    const char* alg = jwt_get_header(jwt.get(), "alg");
    if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || !alg || std::string_view(alg) != "HS256") {
        reject("The token is invalid");
    }

    auto string_claim = [&](const char* name) {
        const char* value = jwt_get_grant(jwt.get(), name);
        if (!value || !*value) reject("The token is invalid");
        return std::string(value);
    };
    auto time_claim = [&](const char* name) {
        errno = 0;
        long seconds = jwt_get_grant_int(jwt.get(), name);
        if (errno != 0 || seconds < 0 || seconds > max_claim_seconds) {
            reject("The token is invalid");
        }
        return static_cast<millis>(seconds) * 1000;
    };
    token_claims claims{string_claim("sub"), string_claim("room"), time_claim("iat"),
                        time_claim("exp")};
    millis now = clock_.now();
    if (claims.expires_at <= now) reject("The token has expired");
    if (claims.issued_at > now + iat_leeway_ms) reject("The token is not valid yet");
    return claims;
}

}  // namespace parlor::auth
