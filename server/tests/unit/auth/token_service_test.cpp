#include "auth/token_service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/error.hpp"
#include "support/manual_clock.hpp"

namespace parlor::auth {
namespace {

using namespace std::chrono_literals;
const std::string secret = "0123456789abcdef0123456789abcdef-test";

std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=') out.pop_back();
    return out;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
    return std::string(reinterpret_cast<char*>(mac), length);
}

// A token built by hand, the way an attacker could build one.
std::string forge(const nlohmann::json& header, const nlohmann::json& payload,
                  const EVP_MD* md = EVP_sha256(), std::string_view key = secret) {
    std::string signing_input = base64url(header.dump()) + "." + base64url(payload.dump());
    std::string signature = md ? base64url(hmac(md, key, signing_input)) : "";
    return signing_input + "." + signature;
}

nlohmann::json claims_at(millis now_ms) {
    return {{"sub", "member-1"},
            {"room", "room-1"},
            {"iat", now_ms / 1000},
            {"exp", now_ms / 1000 + 3600}};
}

void expect_unauthorized(const token_service& tokens, const std::string& token) {
    try {
        tokens.verify(token);
        ADD_FAILURE() << "accepted: " << token;
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::unauthorized);
    }
}

class TokenServiceTest : public ::testing::Test {
  protected:
    testing::manual_clock clock;
    token_service tokens{secret, clock, 12h};
};

TEST_F(TokenServiceTest, IssuedTokenVerifiesWithItsClaims) {
    auto issued = tokens.issue("member-1", "room-1");
    auto claims = tokens.verify(issued.token);
    EXPECT_EQ(claims.member_id, "member-1");
    EXPECT_EQ(claims.room_id, "room-1");
    EXPECT_EQ(claims.expires_at, issued.expires_at);
    EXPECT_EQ(issued.expires_at - clock.now(), 12 * 3600 * 1000);
}

TEST_F(TokenServiceTest, HeaderSaysHs256) {
    auto token = tokens.issue("m", "r").token;
    auto header = token.substr(0, token.find('.'));
    EXPECT_EQ(header, base64url(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST_F(TokenServiceTest, ExpiredTokenIsRefused) {
    auto issued = tokens.issue("member-1", "room-1");
    clock.advance(12 * 3600 * 1000 - 1000);
    EXPECT_NO_THROW(tokens.verify(issued.token));
    clock.advance(1000);
    expect_unauthorized(tokens, issued.token);
}

TEST_F(TokenServiceTest, TokenFromTheFutureIsRefusedPastTheLeeway) {
    testing::manual_clock ahead(clock.now() + 61'000);
    token_service future_tokens(secret, ahead, 12h);
    expect_unauthorized(tokens, future_tokens.issue("m", "r").token);

    testing::manual_clock slightly_ahead(clock.now() + 30'000);
    token_service skewed_tokens(secret, slightly_ahead, 12h);
    EXPECT_NO_THROW(tokens.verify(skewed_tokens.issue("m", "r").token));
}

TEST_F(TokenServiceTest, TamperedSignatureIsRefused) {
    auto token = tokens.issue("member-1", "room-1").token;
    token.back() = token.back() == 'A' ? 'B' : 'A';
    expect_unauthorized(tokens, token);
}

TEST_F(TokenServiceTest, TamperedPayloadIsRefused) {
    auto token = tokens.issue("member-1", "room-1").token;
    auto first = token.find('.'), second = token.rfind('.');
    auto forged_payload = base64url(claims_at(clock.now()).dump());
    expect_unauthorized(tokens, token.substr(0, first + 1) + forged_payload + token.substr(second));
}

TEST_F(TokenServiceTest, TokenSignedWithAnotherSecretIsRefused) {
    token_service other("another-secret-another-secret-0123456789", clock, 12h);
    expect_unauthorized(tokens, other.issue("member-1", "room-1").token);
    expect_unauthorized(tokens, forge({{"alg", "HS256"}, {"typ", "JWT"}}, claims_at(clock.now()),
                                      EVP_sha256(), "wrong-key"));
}

TEST_F(TokenServiceTest, CorrectlyForgedHs256IsAcceptedSoTheForgeryHelperIsSound) {
    auto claims = tokens.verify(forge({{"alg", "HS256"}, {"typ", "JWT"}}, claims_at(clock.now())));
    EXPECT_EQ(claims.member_id, "member-1");
}

TEST_F(TokenServiceTest, AlgNoneIsRefused) {
    auto claims = claims_at(clock.now());
    expect_unauthorized(tokens, forge({{"alg", "none"}, {"typ", "JWT"}}, claims, nullptr));
    expect_unauthorized(tokens, forge({{"alg", "None"}, {"typ", "JWT"}}, claims, nullptr));
    // "none" with a signature attached anyway
    expect_unauthorized(tokens, forge({{"alg", "none"}, {"typ", "JWT"}}, claims));
}

TEST_F(TokenServiceTest, OtherAlgorithmsAreRefusedEvenWithTheRightKey) {
    auto claims = claims_at(clock.now());
    expect_unauthorized(tokens, forge({{"alg", "HS512"}, {"typ", "JWT"}}, claims, EVP_sha512()));
    expect_unauthorized(tokens, forge({{"alg", "HS384"}, {"typ", "JWT"}}, claims, EVP_sha384()));
    expect_unauthorized(tokens, forge({{"alg", "RS256"}, {"typ", "JWT"}}, claims));
}

TEST_F(TokenServiceTest, MissingClaimsAreRefused) {
    auto header = nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}};
    for (const char* dropped : {"sub", "room", "iat", "exp"}) {
        auto claims = claims_at(clock.now());
        claims.erase(dropped);
        expect_unauthorized(tokens, forge(header, claims));
    }
    auto wrong_type = claims_at(clock.now());
    wrong_type["exp"] = "tomorrow";
    expect_unauthorized(tokens, forge(header, wrong_type));
}

TEST_F(TokenServiceTest, GarbageIsRefused) {
    for (const std::string& garbage : std::vector<std::string>{
             "", "abc", "a.b.c", "...", std::string(5000, 'x'), "eyJhbGciOiJIUzI1NiJ9.%%%.sig"}) {
        expect_unauthorized(tokens, garbage);
    }
}

TEST(TokenServiceSecret, ShortSecretIsRejectedAtStartup) {
    testing::manual_clock clock;
    EXPECT_THROW(token_service("too-short", clock, 12h), std::invalid_argument);
}

}  // namespace
}  // namespace parlor::auth
