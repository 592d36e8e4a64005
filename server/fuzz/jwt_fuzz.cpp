// Guest tokens. Whatever the bytes, verify() answers claims or `unauthorized`. To reach past
// the signature check, the input is also signed as a token of its own: its first line the
// JOSE header (HS256 when the input has no line break), the rest the claims, both signed
// with the server's key. Such a token is accepted only with alg HS256 and sane claims.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/token_service.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "fuzz_check.hpp"

using namespace parlor;

namespace {

constexpr std::string_view key = "a server secret of at least 32 bytes";

class fixed_clock final : public clock {
  public:
    millis now() const override { return 1'795'000'000'000; }
};

void verified_or_refused(const auth::token_service& tokens, std::string_view token,
                         std::string_view input, std::string_view header) {
    try {
        auto claims = tokens.verify(token);
        fuzz::check(!claims.member_id.empty() && !claims.room_id.empty(),
                    "a token without sub or room accepted", input);
        fuzz::check(claims.expires_at > fixed_clock().now(), "an expired token accepted", input);
        if (!header.empty()) {
            auto jose = nlohmann::json::parse(header, nullptr, false);
            fuzz::check(jose.is_object() && jose.value("alg", "") == "HS256",
                        "a token accepted with another algorithm", input);
        }
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::unauthorized, "a token refused with another code",
                    input);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    static const fixed_clock now;
    static const auth::token_service tokens(std::string(key), now, std::chrono::hours(24));

    verified_or_refused(tokens, input, input, {});

    auto line = input.find('\n');
    std::string_view header =
        line == std::string_view::npos ? R"({"alg":"HS256","typ":"JWT"})" : input.substr(0, line);
    std::string_view claims = line == std::string_view::npos ? input : input.substr(line + 1);
    std::string signing_input = base64url(header) + "." + base64url(claims);
    std::string token = signing_input + "." + base64url(hmac_sha256(key, signing_input));
    verified_or_refused(tokens, token, input, header);
    return 0;
}
