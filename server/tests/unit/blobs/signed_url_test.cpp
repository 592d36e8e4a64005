#include "blobs/signed_url.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "common/error.hpp"

namespace parlor::blobs {
namespace {

const std::string key = "0f8e2a57-3c1d-4b6a-9e2f-5a7c8d9e0b1c";
constexpr millis expiry = 1'795'000'600'000;  // a whole second

std::string query_of(const std::string& link) {
    return link.substr(link.find('?') + 1);
}

// The query with `name`'s value replaced.
std::string replaced(std::string query, const std::string& name, const std::string& value) {
    auto at = query.find(name + "=");
    if (at == std::string::npos) throw std::invalid_argument("no " + name);
    at += name.size() + 1;
    return query.replace(at, query.find('&', at) - at, value);
}

class SignedUrl : public ::testing::Test {
  protected:
    // The message verify() refuses with (a test failure if it accepts).
    std::string refusal(std::string_view query, std::string_view method = "PUT",
                        std::string_view object = key, millis now = expiry - 1) const {
        try {
            auto params = signer.verify(method, object, query, now);
            ADD_FAILURE() << "accepted " << query << " with " << params.size() << " parameters";
        } catch (const error& e) {
            EXPECT_EQ(e.code(), error_code::forbidden);
            return e.what();
        }
        return {};
    }

    url_signer signer{std::string(32, 's')};
    std::string upload = signer.sign("PUT", key, {{"size", "1000"}}, expiry);
    std::string query = query_of(upload);
};

const std::string not_valid = "This link is not valid";
const std::string expired = "This link has expired";

TEST_F(SignedUrl, IsAPathOnOurOriginNamingTheObject) {
    EXPECT_TRUE(std::regex_match(
        upload, std::regex("/blobs/" + key + R"(\?expires=1795000600&size=1000&sig=[0-9a-f]{64})")))
        << upload;
}

TEST_F(SignedUrl, VerifyGivesBackTheSignedParameters) {
    EXPECT_EQ(signer.verify("PUT", key, query, expiry - 1), (url_signer::params{{"size", "1000"}}));

    url_signer::params naming{{"name", "My \"report\" & notes=1;\u00e9/\n.pdf"},
                              {"type", "text/html"}};
    auto download = signer.sign("GET", key, naming, expiry);
    EXPECT_EQ(download.find(' '), std::string::npos) << download;
    EXPECT_EQ(download.find('"'), std::string::npos) << download;
    EXPECT_EQ(signer.verify("GET", key, query_of(download), expiry - 1), naming);
}

TEST_F(SignedUrl, TheOrderOfParametersDoesNotMatter) {
    auto sig_at = query.find("&sig=");
    auto reordered = query.substr(sig_at + 1) + "&" + query.substr(0, sig_at);
    EXPECT_EQ(signer.verify("PUT", key, reordered, expiry - 1).at("size"), "1000");
}

TEST_F(SignedUrl, ExpiresAtTheSignedSecondRoundedUp) {
    EXPECT_EQ(signer.verify("PUT", key, query, expiry - 1).size(), 1u);
    EXPECT_EQ(refusal(query, "PUT", key, expiry), expired);
    EXPECT_EQ(refusal(query, "PUT", key, expiry + 86'400'000), expired);

    // A link is never shorter than asked: 500 ms past a second lasts to the next one.
    auto rounded = query_of(signer.sign("PUT", key, {{"size", "1"}}, expiry + 500));
    EXPECT_NE(rounded.find("expires=1795000601&"), std::string::npos) << rounded;
    EXPECT_EQ(signer.verify("PUT", key, rounded, expiry + 999).size(), 1u);
    EXPECT_EQ(refusal(rounded, "PUT", key, expiry + 1000), expired);
}

TEST_F(SignedUrl, TamperedParametersAreNotValid) {
    auto sig = query.substr(query.find("sig=") + 4);
    auto flipped = sig;
    flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
    EXPECT_EQ(refusal(replaced(query, "size", "1001")), not_valid);
    EXPECT_EQ(refusal(replaced(query, "size", "")), not_valid);
    EXPECT_EQ(refusal(replaced(query, "sig", flipped)), not_valid);
    EXPECT_EQ(refusal(replaced(query, "sig", sig.substr(0, 63))), not_valid);
    EXPECT_EQ(refusal(replaced(query, "sig", "")), not_valid);
    // A later expiry is not a longer life but a broken signature, even once expired.
    EXPECT_EQ(refusal(replaced(query, "expires", "1895000600")), not_valid);
    EXPECT_EQ(refusal(replaced(query, "expires", "1895000600"), "PUT", key, expiry + 5000),
              not_valid);
    EXPECT_EQ(refusal(replaced(query, "expires", "+1795000600")), not_valid);
}

TEST_F(SignedUrl, MissingPartsAreNotValid) {
    auto sig_at = query.find("&sig=");
    EXPECT_EQ(refusal(query.substr(0, sig_at)), not_valid);            // no sig
    EXPECT_EQ(refusal(query.substr(query.find('&') + 1)), not_valid);  // no expires
    EXPECT_EQ(refusal(query.substr(0, query.find('&')) + query.substr(sig_at)), not_valid);
    EXPECT_EQ(refusal(""), not_valid);
}

TEST_F(SignedUrl, ExtraOrRepeatedParametersAreNotValid) {
    EXPECT_EQ(refusal(query + "&name=x"), not_valid);
    EXPECT_EQ(refusal(query + "&size=1000"), not_valid);
    EXPECT_EQ(refusal("size=1000&" + query), not_valid);
    EXPECT_EQ(refusal(query + "&sig=" + query.substr(query.find("sig=") + 4)), not_valid);
    EXPECT_EQ(refusal(query + "&expires=1795000600"), not_valid);
    EXPECT_EQ(refusal(query + "&flag"), not_valid);
}

TEST_F(SignedUrl, BadEscapesAreNotValid) {
    for (const auto* escape : {"%zz", "%4", "%", "%g0", "%0g", "a%2"}) {
        EXPECT_EQ(refusal(query + "&x=" + escape), not_valid) << escape;
        EXPECT_EQ(refusal(replaced(query, "size", escape)), not_valid) << escape;
    }
}

TEST_F(SignedUrl, TheMethodTheObjectAndTheSecretAreSigned) {
    EXPECT_EQ(refusal(query, "GET"), not_valid);
    EXPECT_EQ(refusal(query, "HEAD"), not_valid);
    EXPECT_EQ(refusal(query, "put"), not_valid);
    EXPECT_EQ(refusal(query, "PUT", "0f8e2a57-3c1d-4b6a-9e2f-5a7c8d9e0b1d"), not_valid);
    EXPECT_EQ(refusal(query, "PUT", ""), not_valid);
    url_signer other(std::string(32, 't'));
    EXPECT_THROW(other.verify("PUT", key, query, expiry - 1), error);
    EXPECT_NE(query_of(other.sign("PUT", key, {{"size", "1000"}}, expiry)), query);
}

TEST_F(SignedUrl, AValueCannotPassForAnotherParameter) {
    auto sneaky = signer.sign("GET", key, {{"name", "a\nsize=5"}}, expiry);
    auto plain = signer.sign("GET", key, {{"name", "a"}, {"size", "5"}}, expiry);
    auto sig = [](const std::string& link) { return link.substr(link.find("sig=")); };
    EXPECT_NE(sig(sneaky), sig(plain));
    auto ampersand = signer.sign("GET", key, {{"name", "a&size=5"}}, expiry);
    EXPECT_EQ(signer.verify("GET", key, query_of(ampersand), expiry - 1),
              (url_signer::params{{"name", "a&size=5"}}));
}

TEST(PercentEncoding, KeepsUnreservedCharactersAndEscapesTheRest) {
    EXPECT_EQ(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
    EXPECT_EQ(percent_encode("a b/c+d&e=f%"), "a%20b%2Fc%2Bd%26e%3Df%25");
    EXPECT_EQ(percent_encode("\u00e9\n"), "%C3%A9%0A");
    EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncoding, DecodingIsStrictAndRoundTrips) {
    EXPECT_EQ(percent_decode("%41%62c"), "Abc");
    EXPECT_EQ(percent_decode("%c3%a9"), "\u00e9");
    EXPECT_EQ(percent_decode("a+b"), "a+b");  // not form encoding: '+' is a plus
    for (const auto* bad : {"%", "%4", "%zz", "%4g", "ab%", "ab%f"})
        EXPECT_EQ(percent_decode(bad), std::nullopt) << bad;

    std::string every_byte;
    for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
    EXPECT_EQ(percent_decode(percent_encode(every_byte)), every_byte);
}

}  // namespace
}  // namespace parlor::blobs
