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

// U+XXXX as UTF-8, to write invisible characters visibly.
std::string u(char32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xc0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xe0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        s += static_cast<char>(0xf0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
}

bool refused_as_invisible(const std::string& name) {
    auto message = refusal(name);
    return message.find("invisible") != std::string::npos;
}

// "Ada" and "Ada" + a zero-width space look the same: such a name is refused, whichever
// invisible character it hides and wherever (U+FEFF: below).
TEST(DisplayName, RefusesInvisibleCharacters) {
    for (char32_t cp : {0x200b, 0x200c, 0x200d, 0x200e, 0x200f,  0x2060,  0x2061,  0x2062,
                        0x2063, 0x2064, 0x00ad, 0x034f, 0x061c,  0x115f,  0x17b4,  0x180e,
                        0x3164, 0xfe00, 0xfe0f, 0xffa0, 0x1bca0, 0x1d173, 0xe0001, 0xe0041}) {
        SCOPED_TRACE(::testing::Message() << std::hex << static_cast<unsigned>(cp));
        EXPECT_TRUE(refused_as_invisible("Ada" + u(cp)));
        EXPECT_TRUE(refused_as_invisible(u(cp) + "Ada"));
        EXPECT_TRUE(refused_as_invisible("Ad" + u(cp) + "a"));
        EXPECT_TRUE(refused_as_invisible("Ada " + u(cp) + " Lovelace"));
    }
}

TEST(DisplayName, TheRefusalNamesTheCharacter) {
    EXPECT_EQ(refusal("Ada" + u(0x200b)),
              "Display name must not contain invisible characters such as zero-width spaces "
              "(found U+200B)");
    EXPECT_NE(refusal("Ada" + u(0xe0041)).find("U+E0041"), std::string::npos);
}

// A byte-order mark at either end is trimmed like a space (as before); inside it is refused.
TEST(DisplayName, AnOuterByteOrderMarkIsTrimmed) {
    EXPECT_EQ(validated_display_name(u(0xfeff) + "Ada" + u(0xfeff)), "Ada");
    EXPECT_TRUE(refused_as_invisible("A" + u(0xfeff) + "da"));
}

// Emoji sequences need their joiners and selectors: those are kept where they join two
// emoji or select an emoji's presentation.
TEST(DisplayName, KeepsEmojiSequences) {
    const std::string technologist = u(0x1f469) + u(0x200d) + u(0x1f4bb);  // 👩‍💻
    const std::string with_skin_tone = u(0x1f469) + u(0x1f3fd) + u(0x200d) + u(0x1f4bb);
    const std::string heart_on_fire = u(0x2764) + u(0xfe0f) + u(0x200d) + u(0x1f525);
    const std::string rainbow_flag = u(0x1f3f3) + u(0xfe0f) + u(0x200d) + u(0x1f308);
    const std::string family = u(0x1f468) + u(0x200d) + u(0x1f469) + u(0x200d) + u(0x1f467);
    const std::string red_heart = u(0x2764) + u(0xfe0f);
    const std::string keycap_one = "1" + u(0xfe0f) + u(0x20e3);
    const std::string england =
        u(0x1f3f4) + u(0xe0067) + u(0xe0062) + u(0xe0065) + u(0xe006e) + u(0xe0067) + u(0xe007f);
    for (const auto& name :
         {technologist + " Ada", "Ada " + technologist, with_skin_tone, heart_on_fire, rainbow_flag,
          family, red_heart + " Sam", "Sam " + red_heart, keycap_one + " Team", england + " Fan",
          "Fan " + england, u(0x2603) + u(0xfe0e) + " Snow"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(validated_display_name(name), name);
    }
}

TEST(DisplayName, RefusesJoinersAndSelectorsThatJoinNothing) {
    const std::string zwj = u(0x200d), vs16 = u(0xfe0f);
    const std::string woman = u(0x1f469), laptop = u(0x1f4bb);
    EXPECT_TRUE(refused_as_invisible(woman + zwj));                 // nothing after it
    EXPECT_TRUE(refused_as_invisible(zwj + laptop));                // nothing before it
    EXPECT_TRUE(refused_as_invisible("Ada" + zwj + laptop));        // a letter, not an emoji
    EXPECT_TRUE(refused_as_invisible(woman + zwj + "Ada"));         // likewise
    EXPECT_TRUE(refused_as_invisible(woman + zwj + zwj + laptop));  // one joiner links two
    EXPECT_TRUE(refused_as_invisible("Ada" + vs16));                // a letter has no emoji form
    EXPECT_TRUE(refused_as_invisible("1" + vs16 + " Team"));        // a keycap needs its U+20E3
    // Tags only as a subdivision flag: after the black flag and ended by the cancel tag.
    EXPECT_TRUE(refused_as_invisible(u(0x1f3f4) + u(0xe0067) + u(0xe0062)));
    EXPECT_TRUE(refused_as_invisible("Ada" + u(0xe0067) + u(0xe007f)));
    EXPECT_TRUE(refused_as_invisible(u(0x1f3f4) + u(0xe007f)));
}

// In scripts whose letters join (Arabic, Indic), ZWNJ and ZWJ change how a word is drawn;
// Persian writing needs the ZWNJ. Between Latin letters they change nothing visible.
TEST(DisplayName, KeepsJoinersWhereAScriptNeedsThem) {
    const std::string persian = u(0x0645) + u(0x06cc) + u(0x200c) + u(0x062e) + u(0x0648) +
                                u(0x0627) + u(0x0647) + u(0x0645);  // می‌خواهم
    const std::string devanagari = u(0x0915) + u(0x094d) + u(0x200d) + u(0x0937);  // क्‍ष
    EXPECT_EQ(validated_display_name(persian), persian);
    EXPECT_EQ(validated_display_name(devanagari), devanagari);
    EXPECT_TRUE(refused_as_invisible("Ada" + u(0x200c) + "Lovelace"));
    EXPECT_TRUE(refused_as_invisible("Ada" + u(0x200d) + "Lovelace"));
    EXPECT_TRUE(refused_as_invisible(u(0x0645) + u(0x200c) + "a"));  // not between two
}

// Direction marks and controls: overrides and isolates are control characters (as before),
// the marks and the Arabic letter mark invisible ones.
TEST(DisplayName, RefusesDirectionMarksAndControls) {
    for (char32_t cp : {0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069}) {
        EXPECT_EQ(refusal("Ada" + u(cp) + "x"), "Display name must not contain control characters");
    }
    for (char32_t cp : {0x200e, 0x200f, 0x061c}) {
        EXPECT_TRUE(refused_as_invisible("Ada" + u(cp) + "x"));
    }
}

}  // namespace
}  // namespace parlor::rooms
