#include "realtime/frames.hpp"

#include <gtest/gtest.h>

#include "common/json_text.hpp"
#include "support/failure_of.hpp"

namespace parlor::realtime {
namespace {

using nlohmann::json;
using testing::failure_of;

TEST(Envelope, ReadsTypeDataAndRid) {
    envelope msg;
    read_envelope(R"({"type":"call:join","data":{"callId":"c1"},"rid":7})", msg);
    EXPECT_EQ(msg.type, "call:join");
    EXPECT_EQ(msg.data, json({{"callId", "c1"}}));
    EXPECT_EQ(msg.rid, 7);

    envelope bare;
    read_envelope(R"({"type":"call:start"})", bare);
    EXPECT_EQ(bare.data, json::object());
    EXPECT_TRUE(bare.rid.is_null());
}

TEST(Envelope, AMalformedFrameIsABadRequestThatKeepsItsRid) {
    for (const char* text :
         {"", "[]", "not json", R"({"type":1})", R"({"data":{}})", R"({"type":"x","data":[]})",
          R"({"type":"x","rid":{}})", R"({"type":"x","rid":true})"}) {
        envelope msg;
        EXPECT_EQ(failure_of([&] { read_envelope(text, msg); }), error_code::bad_request) << text;
    }
    envelope msg;
    EXPECT_EQ(failure_of([&] { read_envelope(R"({"rid":"r1","type":"x","data":5})", msg); }),
              error_code::bad_request);
    EXPECT_EQ(msg.rid, "r1");  // the error frame can carry it
}

// Found by the fuzz targets: nlohmann alone reads up to a NUL and ignores the rest.
TEST(Envelope, TextWithANulByteIsNotAFrame) {
    std::string text("{\"type\":\"call:start\"}\0{\"type\":\"x", 32);
    envelope msg;
    EXPECT_EQ(failure_of([&] { read_envelope(text, msg); }), error_code::bad_request);
    EXPECT_TRUE(parse_json(std::string("{}\0", 3)).is_discarded());
    EXPECT_EQ(parse_json(R"({"s":"\u0000"})")["s"], std::string(1, '\0'));  // escaped: fine
}

// A 64 KiB frame of brackets would nest 32,000 deep; nlohmann copies trees recursively.
TEST(Envelope, NestingPastTheLimitIsNotAFrame) {
    auto nested = [](int depth) {
        return R"({"type":"x","data":{"a":)" + std::string(depth, '[') + std::string(depth, ']') +
               "}}";
    };
    envelope msg;
    read_envelope(nested(max_json_depth - 2), msg);  // the envelope and data are two levels
    EXPECT_EQ(failure_of([&] { read_envelope(nested(max_json_depth - 1), msg); }),
              error_code::bad_request);
    EXPECT_EQ(failure_of([&] { read_envelope(nested(32000), msg); }), error_code::bad_request);
    EXPECT_FALSE(
        parse_json(
            R"({"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})")
            .is_discarded());  // brackets in strings do not nest
}

TEST(Envelope, ARateLimitRefusalFindsTheRidWithoutReadingFurther) {
    EXPECT_EQ(readable_rid(R"({"type":"x","rid":"r9"})"), "r9");
    EXPECT_EQ(readable_rid(R"({"rid":3})"), 3);
    EXPECT_TRUE(readable_rid(R"({"rid":[1]})").is_null());
    EXPECT_TRUE(readable_rid("garbage").is_null());
}

TEST(Frames, AnErrorFrameCarriesCodeMessageAndRid) {
    auto frame = json::parse(*error_frame(error(error_code::call_full, "The call is full"), "r1"));
    EXPECT_EQ(
        frame,
        json({{"type", "error"},
              {"data", {{"code", "call_full"}, {"message", "The call is full"}, {"rid", "r1"}}}}));
    auto without = json::parse(*error_frame(error(error_code::bad_request, "x"), nullptr));
    EXPECT_FALSE(without["data"].contains("rid"));
}

TEST(Frames, ARequiredStringIsANonEmptyString) {
    json data = {{"a", "x"}, {"empty", ""}, {"n", 1}};
    EXPECT_EQ(required_string(data, "a"), "x");
    for (const char* name : {"empty", "n", "missing"}) {
        EXPECT_EQ(failure_of([&] { required_string(data, name); }), error_code::bad_request);
    }
}

}  // namespace
}  // namespace parlor::realtime
