#include "rooms/display_name.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace parlor::rooms {
namespace {

std::string refusal(std::string_view name) {
    try {
        validated_display_name(name);
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::invalid_display_name);
        return e.what();
    }
    ADD_FAILURE() << "accepted: " << name;
    return {};
}

std::string repeat(std::string_view unit, int times) {
    std::string s;
    for (int i = 0; i < times; ++i) s += unit;
    return s;
}

TEST(DisplayName, IsTrimmed) {
    EXPECT_EQ(validated_display_name("  Alice \t"), "Alice");
    EXPECT_EQ(validated_display_name("\xC2\xA0"
                                     "Zoë\xE3\x80\x80"),
              "Zoë");  // NBSP, ideographic space
}

TEST(DisplayName, KeepsInnerSpacesAndAnyScript) {
    EXPECT_EQ(validated_display_name("Mary Ann"), "Mary Ann");
    EXPECT_EQ(validated_display_name("山田 太郎"), "山田 太郎");
    EXPECT_EQ(validated_display_name("🙂 Sam"), "🙂 Sam");
}

TEST(DisplayName, MustNotBeEmpty) {
    EXPECT_EQ(refusal(""), "Display name must not be empty");
    EXPECT_EQ(refusal("   \t "), "Display name must not be empty");
}

TEST(DisplayName, CountsCharactersNotBytes) {
    EXPECT_EQ(validated_display_name(repeat("a", 64)), repeat("a", 64));
    EXPECT_EQ(validated_display_name(repeat("é", 64)), repeat("é", 64));        // 128 bytes
    EXPECT_EQ(validated_display_name(repeat("🙂", 64)), repeat("🙂", 64));  // 256 bytes
    EXPECT_EQ(refusal(repeat("a", 65)), "Display name must be at most 64 characters");
    EXPECT_EQ(refusal(repeat("é", 65)), "Display name must be at most 64 characters");
    // Surrounding spaces do not count against the limit.
    EXPECT_EQ(validated_display_name("  " + repeat("a", 64) + "  "), repeat("a", 64));
}

TEST(DisplayName, RefusesControlCharacters) {
    for (std::string bad : {std::string("a\nb"),
                            std::string("a\x01"
                                        "b"),
                            std::string("a\x7f"
                                        "b"),
                            std::string("a\xC2\x85"
                                        "b"),  // NEL (C1)
                            std::string("a\xE2\x80\xAE"
                                        "b"),  // right-to-left override
                            std::string("a\xE2\x80\xA8"
                                        "b"),  // line separator
                            std::string("a\0b", 3)}) {
        EXPECT_EQ(refusal(bad), "Display name must not contain control characters");
    }
}

TEST(DisplayName, RefusesWhatIsNotUtf8) {
    for (std::string bad :
         {std::string("\xff"), std::string("a\xC3"), std::string("\xC0\xAF"),  // overlong '/'
          std::string("\xED\xA0\x80"),                                         // UTF-16 surrogate
          std::string("\xF4\x90\x80\x80")}) {                                  // past U+10FFFF
        EXPECT_EQ(refusal(bad), "Display name is not valid UTF-8 text");
    }
}

}  // namespace
}  // namespace parlor::rooms
