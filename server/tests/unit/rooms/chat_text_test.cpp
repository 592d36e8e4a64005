#include <gtest/gtest.h>

#include "common/error.hpp"
#include "rooms/chat_service.hpp"

namespace parlor::rooms {
namespace {

std::string chat_refusal(std::string_view typed) {
    try {
        chat_text(typed);
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::bad_request);
        return e.what();
    }
    ADD_FAILURE() << "accepted: " << typed;
    return {};
}

std::string repeated(std::string_view piece, int times) {
    std::string text;
    for (int i = 0; i < times; ++i) text += piece;
    return text;
}

TEST(ChatText, IsTrimmedWithOneKindOfLineBreak) {
    EXPECT_EQ(chat_text("  hello  "), "hello");
    EXPECT_EQ(chat_text("\n\tline one\r\nline two\rline three\n\n"),
              "line one\nline two\nline three");
    EXPECT_EQ(chat_text("\u00a0\u3000wide spaces\u2003"), "wide spaces");  // Unicode spaces too
    EXPECT_EQ(chat_text("a\tb"), "a\tb");                                  // tabs inside are kept
    EXPECT_EQ(chat_text("<b>not html</b> & \"quotes\""), "<b>not html</b> & \"quotes\"");
}

TEST(ChatText, CountsCharactersNotBytes) {
    EXPECT_EQ(chat_text(repeated("é", 4000)), repeated("é", 4000));
    EXPECT_EQ(chat_text(repeated("👩‍💻", 1000)).size(),
              repeated("👩‍💻", 1000).size());  // 3 each
    EXPECT_EQ(chat_refusal(repeated("a", 4001)), "A message is at most 4,000 characters");
    EXPECT_EQ(chat_refusal(repeated("é", 4001)), "A message is at most 4,000 characters");
    EXPECT_EQ(chat_text("  " + repeated("a", 4000) + "  "), repeated("a", 4000));  // after trimming
}

TEST(ChatText, RefusesEmptinessControlsAndBrokenText) {
    EXPECT_EQ(chat_refusal(""), "A message cannot be empty");
    EXPECT_EQ(chat_refusal(" \r\n\t\u00a0"), "A message cannot be empty");
    for (std::string_view bad : {"bell \a", "esc \x1b[31m", "del \x7f", "c1 \u0085",
                                 "override \u202e", "isolate \u2066", "separator \u2028"}) {
        EXPECT_NE(chat_refusal(bad).find("control characters"), std::string::npos) << bad;
    }
    EXPECT_EQ(chat_refusal("\xff\xfe broken"), "text must be valid UTF-8");
}

}  // namespace
}  // namespace parlor::rooms
