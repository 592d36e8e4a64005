#include "blobs/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace parlor::blobs::sigv4 {
namespace {

// The example that AWS publishes for both signing forms: 2013-05-24T00:00:00Z, us-east-1.
constexpr std::int64_t aws_example_time = 1'369'353'600;

signing_input aws_example(std::string method) {
    location target{parse_endpoint("https://s3.amazonaws.com"), addressing::virtual_host,
                    "examplebucket", "test.txt"};
    return {std::move(method),
            std::move(target),
            "us-east-1",
            "s3",
            {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
            aws_example_time};
}

std::string header(const signed_request_headers& request, std::string_view name) {
    for (const auto& [n, value] : request.headers)
        if (n == name) return value;
    return "<absent>";
}

// The query's parameter names, in the order the URL has them.
std::vector<std::string> query_names(const std::string& url) {
    std::vector<std::string> names;
    std::size_t start = url.find('?');
    while (start != std::string::npos) {
        std::size_t end = url.find('&', start + 1);
        std::string parameter = url.substr(start + 1, end - start - 1);
        names.push_back(parameter.substr(0, parameter.find('=')));
        start = end;
    }
    return names;
}

TEST(Sigv4, PresignedUrlMatchesAwsPublishedExample) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    EXPECT_EQ(presign_url(aws_example("GET"), 86400),
              "https://examplebucket.s3.amazonaws.com/test.txt"
              "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
              "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
              "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
              "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(Sigv4, HeaderSignatureMatchesAwsPublishedGetObjectExample) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
    // ("GET Object"): a Range header, and the empty body's hash as the payload.
    signed_request_headers request = sign_headers(aws_example("GET"), {{"Range", "bytes=0-9"}});
    EXPECT_EQ(request.url, "https://examplebucket.s3.amazonaws.com/test.txt");
    EXPECT_EQ(header(request, "Authorization"),
              "AWS4-HMAC-SHA256 "
              "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    EXPECT_EQ(header(request, "x-amz-date"), "20130524T000000Z");
    EXPECT_EQ(header(request, "x-amz-content-sha256"),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(header(request, "host"), "examplebucket.s3.amazonaws.com");
    EXPECT_EQ(header(request, "range"), "bytes=0-9");
}

TEST(Sigv4, UriEncodeKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(uri_encode("AZaz09-_.~", true), "AZaz09-_.~");
    EXPECT_EQ(uri_encode("a b", true), "a%20b");
    EXPECT_EQ(uri_encode("+=&?%#*", true), "%2B%3D%26%3F%25%23%2A");
    EXPECT_EQ(uri_encode("\"'\\", true), "%22%27%5C");
    EXPECT_EQ(uri_encode("é", true), "%C3%A9");
    EXPECT_EQ(uri_encode("😀", true), "%F0%9F%98%80");
    EXPECT_EQ(uri_encode("", true), "");
}

TEST(Sigv4, UriEncodeKeepsSlashesOnlyInPaths) {
    EXPECT_EQ(uri_encode("dir/sub dir/file", false), "dir/sub%20dir/file");
    EXPECT_EQ(uri_encode("dir/sub dir/file", true), "dir%2Fsub%20dir%2Ffile");
}

TEST(Sigv4, EndpointKeepsOnlyANonDefaultPort) {
    EXPECT_EQ(parse_endpoint("http://127.0.0.1:4568").authority(), "127.0.0.1:4568");
    EXPECT_EQ(parse_endpoint("https://S3.Example.COM:443/").authority(), "s3.example.com");
    EXPECT_EQ(parse_endpoint("http://minio:80").authority(), "minio");
    EXPECT_EQ(parse_endpoint("https://minio:80").authority(), "minio:80");
    EXPECT_EQ(parse_endpoint("HTTP://[::1]:9000").authority(), "[::1]:9000");
    EXPECT_EQ(parse_endpoint("http://[::1]:9000").scheme, "http");
}

TEST(Sigv4, DefaultPortIsLeftOutOfTheSignedHost) {
    // Clients send "Host: h" for https://h:443, so the signature must cover the same.
    signing_input explicit_port = aws_example("GET");
    explicit_port.target.endpoint = parse_endpoint("https://s3.amazonaws.com:443");
    EXPECT_EQ(presign_url(explicit_port, 86400), presign_url(aws_example("GET"), 86400));
}

TEST(Sigv4, NonDefaultPortIsInTheUrlAndTheSignature) {
    signing_input with_port = aws_example("GET");
    with_port.target.endpoint = parse_endpoint("https://s3.amazonaws.com:8443");
    std::string url = presign_url(with_port, 86400);
    EXPECT_TRUE(url.starts_with("https://examplebucket.s3.amazonaws.com:8443/test.txt?")) << url;
    EXPECT_NE(url.substr(url.find("X-Amz-Signature=")),
              "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(Sigv4, MalformedEndpointsAreRejected) {
    for (const char* endpoint :
         {"s3.amazonaws.com", "ftp://s3.amazonaws.com", "https://", "https://host/path",
          "https://host?x=1", "https://user@host", "https://host:", "https://host:0",
          "https://host:65536", "https://host:12ab", "https://[::1", "https://[::1]x",
          "https://ho st"}) {
        EXPECT_THROW(parse_endpoint(endpoint), std::invalid_argument) << endpoint;
    }
}

TEST(Sigv4, PathStyleNamesTheBucketInThePath) {
    signing_input input = aws_example("PUT");
    input.target = {parse_endpoint("http://127.0.0.1:4568"), addressing::path_style, "parlor-files",
                    "rooms/a b/ü+.txt"};
    std::string url = presign_url(input, 60);
    EXPECT_TRUE(url.starts_with("http://127.0.0.1:4568/parlor-files/rooms/a%20b/%C3%BC%2B.txt?"))
        << url;
}

TEST(Sigv4, QueryParametersAreInCanonicalOrderWithTheSignatureLast) {
    signing_input input = aws_example("GET");
    input.keys.session_token = "session/token+=";
    std::string url = presign_url(
        input, 3600,
        {{"response-content-type", "text/plain"}, {"response-content-disposition", "attachment"}});
    std::vector<std::string> names = query_names(url);
    ASSERT_EQ(names.size(), 9u) << url;
    EXPECT_EQ(names.back(), "X-Amz-Signature");
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end() - 1)) << url;
    EXPECT_NE(url.find("&X-Amz-Security-Token=session%2Ftoken%2B%3D&"), std::string::npos) << url;
    EXPECT_NE(url.find("&response-content-disposition=attachment&"), std::string::npos) << url;
}

TEST(Sigv4, ExtraQueryParametersChangeTheSignature) {
    std::string plain = presign_url(aws_example("GET"), 86400);
    std::string named =
        presign_url(aws_example("GET"), 86400, {{"response-content-type", "text/plain"}});
    EXPECT_NE(plain.substr(plain.find("X-Amz-Signature=")),
              named.substr(named.find("X-Amz-Signature=")));
}

TEST(Sigv4, SessionTokenIsSentAndSignedAsAHeader) {
    signing_input input = aws_example("HEAD");
    input.keys.session_token = "temporary";
    signed_request_headers request = sign_headers(input);
    EXPECT_EQ(header(request, "x-amz-security-token"), "temporary");
    EXPECT_NE(header(request, "Authorization")
                  .find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
              std::string::npos);
}

TEST(Sigv4, BucketRequestsHaveNoKeyInThePath) {
    signing_input input = aws_example("HEAD");
    input.target.key.clear();
    EXPECT_EQ(sign_headers(input).url, "https://examplebucket.s3.amazonaws.com/");
    input.target.style = addressing::path_style;
    EXPECT_EQ(sign_headers(input).url, "https://s3.amazonaws.com/examplebucket");
}

TEST(Sigv4, ExpiryOutsideOneSecondToSevenDaysIsRejected) {
    EXPECT_THROW(presign_url(aws_example("GET"), 0), std::invalid_argument);
    EXPECT_THROW(presign_url(aws_example("GET"), max_presign_seconds + 1), std::invalid_argument);
    EXPECT_NO_THROW(presign_url(aws_example("GET"), 1));
    EXPECT_NO_THROW(presign_url(aws_example("GET"), max_presign_seconds));
}

TEST(Sigv4, MalformedInputsAreRejected) {
    auto rejected = [](auto change) {
        signing_input input = aws_example("GET");
        change(input);
        bool presign_threw = false, headers_threw = false;
        try {
            presign_url(input, 60);
        } catch (const std::invalid_argument&) {
            presign_threw = true;
        }
        try {
            sign_headers(input);
        } catch (const std::invalid_argument&) {
            headers_threw = true;
        }
        return presign_threw && headers_threw;
    };
    EXPECT_TRUE(rejected([](signing_input& in) { in.method = "POST"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.method = "get"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.region.clear(); }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.region = "us-east-1/x"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.keys.access_key_id.clear(); }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.keys.secret_access_key.clear(); }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.unix_time = -1; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.target.bucket = "Upper"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.target.bucket = "ab"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.target.bucket = "a..b"; }));
    EXPECT_TRUE(rejected([](signing_input& in) { in.target.bucket = "-ab"; }));
    // A bucket cannot be a subdomain of an IP address.
    EXPECT_TRUE(rejected(
        [](signing_input& in) { in.target.endpoint = parse_endpoint("http://127.0.0.1:4568"); }));
    EXPECT_FALSE(rejected([](signing_input&) {}));
}

TEST(Sigv4, ExtraParametersCannotImpersonateTheSignature) {
    EXPECT_THROW(presign_url(aws_example("GET"), 60, {{"X-Amz-Date", "20300101T000000Z"}}),
                 std::invalid_argument);
    EXPECT_THROW(presign_url(aws_example("GET"), 60, {{"x-amz-expires", "1"}}),
                 std::invalid_argument);
    EXPECT_THROW(sign_headers(aws_example("GET"), {{"X-Amz-Date", "20300101T000000Z"}}),
                 std::invalid_argument);
    EXPECT_THROW(sign_headers(aws_example("GET"), {{"Authorization", "x"}}), std::invalid_argument);
    EXPECT_THROW(sign_headers(aws_example("GET"), {{"Range", "a\r\nInjected: 1"}}),
                 std::invalid_argument);
}

TEST(Sigv4, HeaderValuesAreTrimmedAndSpacesCollapsed) {
    signed_request_headers padded = sign_headers(aws_example("GET"), {{"Range", "  bytes=0-9  "}});
    signed_request_headers spaced = sign_headers(aws_example("GET"), {{"Range", "bytes=0-9"}});
    EXPECT_EQ(header(padded, "range"), "bytes=0-9");
    EXPECT_EQ(header(padded, "Authorization"), header(spaced, "Authorization"));
}

TEST(Sigv4, PayloadHashIsPartOfTheSignature) {
    std::string body_hash(64, 'a');
    signed_request_headers with_body = sign_headers(aws_example("PUT"), {}, body_hash);
    EXPECT_EQ(header(with_body, "x-amz-content-sha256"), body_hash);
    EXPECT_NE(header(with_body, "Authorization"),
              header(sign_headers(aws_example("PUT")), "Authorization"));
    EXPECT_THROW(sign_headers(aws_example("PUT"), {}, "not-a-hash"), std::invalid_argument);
}

}  // namespace
}  // namespace parlor::blobs::sigv4
