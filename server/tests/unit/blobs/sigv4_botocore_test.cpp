// Our presigned URLs against botocore's (the AWS SDK for Python) for the same inputs and
// signing time, over hundreds of keys with characters that trip up encoders.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "blobs/disposition.hpp"
#include "blobs/sigv4.hpp"
#include "common/crypto.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace parlor::blobs::sigv4 {
namespace {

struct presign_case {
    std::string method;
    std::string endpoint;
    std::string region;
    std::string bucket;
    std::string key;
    bool path_style = true;
    std::int64_t expires = 0;
    std::int64_t unix_time = 0;
    std::string session_token;
    name_value_list params;
    // PUT: the size and SHA-256 an upload URL signs (content-length, x-amz-checksum-sha256).
    std::optional<std::uint64_t> content_length;
    std::string checksum_sha256;  // base64
};

const credentials example_keys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               ""};

// Pieces of keys: every character class an encoder can get wrong.
// clang-format off
const std::vector<std::string> key_fragments = {
    "plain", "with space", "two  spaces", "ünïcödé", "日本語のファイル", "emoji😀🎉",
    "plus+sign", "tilde~home", "eq=als", "a&b", "what?", "100%", "%41%2F", "#hash",
    "\"double\"", "'single'", "semi;colon", "com,ma", "co:lon", "at@sign", "dollar$",
    "(parens)", "star*", "bang!", "[brackets]", "{braces}", "caret^", "back`tick", "pi|pe",
    "back\\slash", "<angle>", "dots.tar.gz", "-_.~", "UPPER lower", "ñ", "Ωμέγα", "العربية",
    "zero\u200bwidth", "trailing ", " leading"};

const std::vector<std::string> filenames = {
    "résumé.pdf", "報告書 2026.xlsx", "party 🎉.png", "quote\"and\\back.txt",
    "100% sure; really.doc", "naïve café.txt", "plain.txt", "a+b=c&d.csv"};
// clang-format on

// A key one to four levels deep; now and then with an empty segment ("a//b").
std::string key_for(std::size_t i) {
    std::string key;
    for (std::size_t level = 0; level <= i % 4; ++level) {
        if (level > 0) key += (i % 17 == 0 && level == 1) ? "//" : "/";
        key += key_fragments[(i * 7 + level * 13) % key_fragments.size()];
    }
    return key;
}

// Virtual-host addressing needs a DNS name (botocore quietly falls back to path style for
// IP addresses and dotted buckets; we refuse those instead), so it gets its own endpoints.
struct endpoint_choice {
    const char* url;
    const char* bucket;
    bool virtual_ok;
};
const std::vector<endpoint_choice> endpoints = {
    {"https://s3.us-east-1.amazonaws.com", "parlor-files", true},
    {"https://s3.eu-west-2.amazonaws.com", "examplebucket", true},
    {"http://127.0.0.1:4568", "parlor-test", false},
    {"https://minio.example.test:9000", "files-2026", true},
    {"http://s3.localhost:4568", "local.files", false},
};
const std::vector<const char*> regions = {"us-east-1", "eu-west-2", "auto", "ap-southeast-2"};
const std::vector<std::int64_t> lifetimes = {1, 60, 900, 86400, max_presign_seconds};

// For each key: a GET and a PUT, in the two addressing styles, the GET with (mostly) the
// response headers a download sets, one key in seven with temporary credentials. The
// moduli differ so that endpoints, regions, lifetimes and tokens meet in many combinations.
std::vector<presign_case> make_cases(std::size_t key_count) {
    std::vector<presign_case> cases;
    for (std::size_t i = 0; i < key_count; ++i) {
        const endpoint_choice& endpoint = endpoints[i % endpoints.size()];
        for (const char* method : {"GET", "PUT"}) {
            bool get = std::string_view(method) == "GET";
            presign_case c{method,
                           endpoint.url,
                           regions[(i / 5) % regions.size()],
                           endpoint.bucket,
                           key_for(i),
                           !endpoint.virtual_ok || (i % 2 == 0) == get,
                           lifetimes[(i / 3) % lifetimes.size()],
                           1'795'000'000 + static_cast<std::int64_t>(i) * 3'601,
                           i % 7 == 3 ? "FwoGZXIvYXdzE/token+with=chars" : "",
                           {},
                           std::nullopt,
                           ""};
            if (get && i % 3 != 0) {
                const std::string& filename = filenames[i % filenames.size()];
                // Half as Parlor sends it (ASCII, percent-encoded), half raw UTF-8.
                std::string disposition = i % 2 ? attachment_disposition(filename)
                                                : "attachment; filename=\"" + filename + "\"";
                c.params = {{"response-content-disposition", disposition},
                            {"response-content-type", "text/plain; charset=utf-8"}};
            }
            if (!get && i % 4 != 1) {
                // As Parlor's upload links: the declared size and digest, signed.
                c.content_length = (i * 7919) % 5'000'000'000ull;
                c.checksum_sha256 = base64(hmac_sha256("digest", c.key));  // 32 bytes
            }
            cases.push_back(std::move(c));
        }
    }
    return cases;
}

nlohmann::json to_json(const presign_case& c) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : c.params) params[name] = value;
    return {{"method", c.method},
            {"endpoint", c.endpoint},
            {"region", c.region},
            {"bucket", c.bucket},
            {"key", c.key},
            {"path_style", c.path_style},
            {"expires", c.expires},
            {"time", c.unix_time},
            {"access_key", example_keys.access_key_id},
            {"secret_key", example_keys.secret_access_key},
            {"session_token", c.session_token},
            {"params", params},
            {"content_length", c.content_length ? nlohmann::json(*c.content_length) : nullptr},
            {"checksum_sha256", c.checksum_sha256}};
}

std::string our_url(const presign_case& c) {
    credentials keys = example_keys;
    keys.session_token = c.session_token;
    signing_input input{
        c.method,
        {parse_endpoint(c.endpoint),
         c.path_style ? addressing::path_style : addressing::virtual_host, c.bucket, c.key},
        c.region,
        "s3",
        keys,
        c.unix_time};
    name_value_list headers;
    if (c.content_length) {
        headers = {{"content-length", std::to_string(*c.content_length)},
                   {"x-amz-checksum-sha256", c.checksum_sha256}};
    }
    return presign_url(input, c.expires, c.params, headers);
}

// botocore emits the operation's parameters (response-*) first and the X-Amz-* ones in a
// fixed order with X-Amz-Security-Token after X-Amz-SignedHeaders; we emit the canonical
// sorted order. S3 does not care about the order in the URL (it sorts them itself to check
// the signature), so only the order is normalised here: every byte of every parameter, and
// of the scheme, host and path, must still match.
std::string with_sorted_query(const std::string& url) {
    std::size_t question = url.find('?');
    if (question == std::string::npos) return url;
    std::vector<std::string> parameters;
    std::stringstream query(url.substr(question + 1));
    for (std::string parameter; std::getline(query, parameter, '&');)
        parameters.push_back(parameter);
    std::sort(parameters.begin(), parameters.end());
    std::string out = url.substr(0, question + 1);
    for (const auto& parameter : parameters) out += parameter + "&";
    out.pop_back();
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(Sigv4Botocore, PresignedUrlsMatchBotocoreByteForByte) {
    const std::string python = PYTHON3_EXECUTABLE;
    ASSERT_TRUE(std::filesystem::exists(python))
        << python << " is missing: install the Debian packages python3 and python3-botocore";

    std::vector<presign_case> cases = make_cases(240);
    testing::temp_dir dir;
    {
        std::ofstream input(dir.path() / "cases.jsonl", std::ios::binary);
        for (const auto& c : cases) input << to_json(c).dump() << "\n";
    }
    testing::child_process botocore(
        {python, BOTOCORE_PRESIGN_SCRIPT},
        {dir.path() / "cases.jsonl", dir.path() / "urls.txt", dir.path() / "errors.txt"});
    int status = botocore.wait();
    ASSERT_EQ(status, 0) << "botocore_presign.py failed; it needs python3 with Debian's "
                            "python3-botocore (apt-get install python3-botocore):\n"
                         << read_file(dir.path() / "errors.txt");

    std::vector<std::string> expected = lines_of(read_file(dir.path() / "urls.txt"));
    ASSERT_EQ(expected.size(), cases.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < cases.size() && mismatches < 10; ++i) {
        std::string ours = our_url(cases[i]);
        bool same = with_sorted_query(ours) == with_sorted_query(expected[i]);
        EXPECT_TRUE(same) << "case " << i << ": " << to_json(cases[i]).dump()
                          << "\n  ours:     " << ours << "\n  botocore: " << expected[i];
        mismatches += same ? 0 : 1;
    }
}

}  // namespace
}  // namespace parlor::blobs::sigv4
