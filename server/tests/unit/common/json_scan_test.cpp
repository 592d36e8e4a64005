#include "common/json_scan.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace parlor::json_scan {
namespace {

using nlohmann::json;

// The scanner's contract: it reads a text exactly as nlohmann::json::parse does (the
// reference), member by member.
void expect_reads_like_nlohmann(const std::string& text) {
    object_view view;
    auto result = scan_object(text, view);
    auto reference = json::parse(text, nullptr, false);
    if (reference.is_discarded()) {
        EXPECT_EQ(result, scan_result::invalid) << text;
        return;
    }
    if (!reference.is_object()) {
        EXPECT_EQ(result, scan_result::not_object) << text;
        return;
    }
    ASSERT_EQ(result, scan_result::object) << text;
    if (view.truncated || view.escaped_keys) return;
    std::set<std::string_view> keys;
    for (std::size_t i = 0; i < view.count; ++i) keys.insert(view.members[i].key);
    EXPECT_EQ(keys.size(), reference.size()) << text;
    for (const auto& [key, value] : reference.items()) {
        auto found = view.find(key);
        ASSERT_TRUE(found) << key << " in " << text;
        EXPECT_EQ(json::parse(*found), value) << key << " in " << text;
    }
}

const std::vector<std::string> valid_texts = {
    R"({})",
    R"(  {"a" : 1 , "b":[1, 2.5e3, -0.0E-2, true, false, null]}  )",
    R"({"type":"signal:offer","data":{"to":"m1","callId":"c1","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"}})",
    R"({"s":"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 é 😀"})",
    R"({"nested":{"deep":{"deeper":[{"x":[[[]]]}]}},"n":123456789012345678})",
    "{\"tabs\":\t[\n1\r\n]}",
    R"([1,2,3])",
    R"("just a string")",
    R"(42)",
    R"(null)",
};

const std::vector<std::string> invalid_texts = {
    "",
    " ",
    "{",
    "}",
    R"({"a":1,})",
    R"({"a" 1})",
    R"({a:1})",
    R"({'a':1})",
    R"({"a":01})",
    R"({"a":1.})",
    R"({"a":.5})",
    R"({"a":1e})",
    R"({"a":+1})",
    R"({"a":-})",
    R"({"a":tru})",
    R"({"a":nul})",
    R"({"a":"\x"})",
    R"({"a":"\u12"})",
    R"({"a":"\uD800"})",        // a lone high surrogate
    R"({"a":"\uDC00"})",        // a lone low surrogate
    R"({"a":"\uD800\u0041"})",  // a high surrogate not followed by a low one
    "{\"a\":\"line\nbreak\"}",  // a raw control character in a string
    "{\"a\":\"\x01\"}",
    "{\"a\":\"\xC3\"}",              // truncated UTF-8
    "{\"a\":\"\xC0\xAF\"}",          // overlong
    "{\"a\":\"\xED\xA0\x80\"}",      // a surrogate in UTF-8
    "{\"a\":\"\xF4\x90\x80\x80\"}",  // beyond U+10FFFF
    "{\"a\":\"\xFF\"}",
    R"({"a":1} {"b":2})",
    R"({"a":1}x)",
    R"({"a":[1,2})",
    R"({"a":[1,,2]})",
    R"({"a":1}})",
};

TEST(JsonScan, ValidTextsReadAsNlohmannReadsThem) {
    for (const auto& text : valid_texts) expect_reads_like_nlohmann(text);
}

TEST(JsonScan, InvalidTextsAreRefusedAsNlohmannRefusesThem) {
    for (const auto& text : invalid_texts) expect_reads_like_nlohmann(text);
}

// Random edits of valid frames: whatever the edit makes of them, the scanner and nlohmann
// agree on whether it is JSON, whether it is an object, and what each member holds.
TEST(JsonScan, MutatedFramesReadAsNlohmannReadsThem) {
    std::mt19937 random(20261126);
    const std::string alphabet =
        "{}[]\":,\\u0123456789abcdefABCDEF.eE+- \t\n\x01\x7f\xc3\xa9\xed\xf0";
    int objects = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text = valid_texts[random() % 6];
        int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            std::size_t at = random() % text.size();
            char c = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
                case 0:
                    text[at] = c;
                    break;
                case 1:
                    text.insert(at, 1, c);
                    break;
                default:
                    text.erase(at, 1);
            }
        }
        expect_reads_like_nlohmann(text);
        if (HasFailure()) return;
        object_view view;
        if (scan_object(text, view) == scan_result::object) ++objects;
    }
    EXPECT_GT(objects,
              1000);  // the edits left enough objects for the member checks to mean something
}

TEST(JsonScan, TheLastOfDuplicateMembersCountsAsInNlohmann) {
    object_view view;
    ASSERT_EQ(scan_object(R"({"to":"a","to":"b"})", view), scan_result::object);
    EXPECT_EQ(view.find("to"), R"("b")");
    EXPECT_EQ(json::parse(R"({"to":"a","to":"b"})")["to"], "b");
}

TEST(JsonScan, EscapedKeysAndManyMembersAreFlagged) {
    object_view view;
    ASSERT_EQ(scan_object(R"({"t\u0079pe":"x"})", view), scan_result::object);
    EXPECT_TRUE(view.escaped_keys);

    std::string many = "{";
    for (int i = 0; i < 9; ++i)
        many += (i ? "," : "") + std::string("\"k") + char('0' + i) + "\":1";
    many += "}";
    ASSERT_EQ(scan_object(many, view), scan_result::object);
    EXPECT_TRUE(view.truncated);
    EXPECT_EQ(view.count, object_view::capacity);
}

TEST(JsonScan, NestingDeeperThanTheLimitIsRefused) {
    auto nested = [](int depth) {
        return "{\"a\":" + std::string(static_cast<std::size_t>(depth - 1), '[') + "1" +
               std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
    };
    object_view view;
    EXPECT_EQ(scan_object(nested(64), view), scan_result::object);
    EXPECT_EQ(scan_object(nested(65), view), scan_result::invalid);
}

TEST(JsonScan, AnInnerObjectIsReadInTheSamePass) {
    object_view outer, inner;
    bool found = false;
    std::string text = R"({"data":{"to":"x"},"type":"t","data":{"to":"y","callId":"c"}})";
    ASSERT_EQ(scan_object(text, outer, "data", inner, found), scan_result::object);
    ASSERT_TRUE(found);
    EXPECT_EQ(inner.find("to"), R"("y")");  // the last "data", as nlohmann keeps it
    EXPECT_EQ(inner.find("callId"), R"("c")");

    ASSERT_EQ(scan_object(R"({"data":"text"})", outer, "data", inner, found), scan_result::object);
    EXPECT_FALSE(found);
}

TEST(JsonScan, PlainStringsAreThoseWithoutEscapes) {
    EXPECT_EQ(plain_string(R"("m1")"), "m1");
    EXPECT_EQ(plain_string(R"("")"), "");
    EXPECT_EQ(plain_string(R"("a\"b")"), std::nullopt);
    EXPECT_EQ(plain_string("12"), std::nullopt);
    EXPECT_EQ(plain_string("null"), std::nullopt);
}

TEST(JsonScan, QuotedTextReadsBackAsTheSameString) {
    std::string every_byte;
    for (int c = 1; c < 0x80; ++c) every_byte += static_cast<char>(c);
    every_byte += "é😀";
    std::string out;
    append_quoted(out, every_byte);
    EXPECT_EQ(json::parse(out).get<std::string>(), every_byte);
    object_view view;
    EXPECT_EQ(scan_object("{\"k\":" + out + "}", view), scan_result::object);
}

}  // namespace
}  // namespace parlor::json_scan
