#include "files/file_fields.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/text.hpp"
#include "support/failure_of.hpp"

namespace parlor::files {
namespace {

using testing::failure_of;

std::string repeat(std::string_view unit, std::size_t times) {
    std::string s;
    for (std::size_t i = 0; i < times; ++i) s += unit;
    return s;
}

bool refused(const std::function<void()>& call) {
    return failure_of(call) == error_code::bad_request;
}

// ---- display_filename ----

TEST(DisplayFilename, KeepsAnOrdinaryNameAsItIs) {
    EXPECT_EQ(display_filename("report.pdf"), "report.pdf");
    EXPECT_EQ(display_filename("my holiday (2).JPG"), "my holiday (2).JPG");
    EXPECT_EQ(display_filename("r\u00e9sum\u00e9 \u65e5\u672c.txt"),
              "r\u00e9sum\u00e9 \u65e5\u672c.txt");
    EXPECT_EQ(display_filename(".bashrc"), ".bashrc");
    EXPECT_EQ(display_filename("..."), "...");
}

TEST(DisplayFilename, KeepsOnlyTheLastPathPart) {
    EXPECT_EQ(display_filename("../../etc/passwd"), "passwd");
    EXPECT_EQ(display_filename("/absolute/path.txt"), "path.txt");
    EXPECT_EQ(display_filename("a\\b\\c.txt"), "c.txt");
    EXPECT_EQ(display_filename("C:\\Users\\ada\\report.pdf"), "report.pdf");
    EXPECT_EQ(display_filename("mixed/sep\\arators.txt"), "arators.txt");
}

TEST(DisplayFilename, DropsControlAndBidiCharacters) {
    EXPECT_EQ(display_filename("invoice\u202Efdp.exe"), "invoicefdp.exe");
    EXPECT_EQ(display_filename("a\u202Ab\u202Bc\u202Cd\u202De.txt"), "abcde.txt");
    EXPECT_EQ(display_filename("iso\u2066lat\u2067e\u2068d\u2069.txt"), "isolated.txt");
    EXPECT_EQ(display_filename(std::string("nul\0byte.txt", 12)), "nulbyte.txt");
    EXPECT_EQ(display_filename("tab\tnew\nline\r.txt"), "tabnewline.txt");
    EXPECT_EQ(display_filename("esc\x1b[31mred\x7f.txt"), "esc[31mred.txt");
    EXPECT_EQ(display_filename("c1\u0085\u009f.txt"), "c1.txt");
    EXPECT_EQ(display_filename("sep\u2028ara\u2029tor.txt"), "separator.txt");
    // A control character cannot hide a separator either: the part after it is kept.
    EXPECT_EQ(display_filename("dir\x01/file.txt"), "file.txt");
}

TEST(DisplayFilename, TrimsUnicodeSpaces) {
    EXPECT_EQ(display_filename("  name.txt \t"), "name.txt");
    EXPECT_EQ(display_filename("\u00a0\u3000name.txt\u2003\ufeff"), "name.txt");
    EXPECT_EQ(display_filename("folder/  inner space.txt "), "inner space.txt");
}

TEST(DisplayFilename, RefusesNamesWithNothingLeft) {
    for (std::string name : {"", " ", "/", "dir/", "a\\b\\", ".", "..", "../..", "x/..", "\u202e",
                             "\t\u2066 ", "\u00a0\u3000"}) {
        EXPECT_TRUE(refused([&] { display_filename(name); })) << '"' << name << '"';
    }
}

TEST(DisplayFilename, RefusesInvalidUtf8) {
    for (std::string name : {"\xff.txt", "a\xc3", "\xc0\xaf.txt", "\xe0\x80\xaf",
                             "\xed\xa0\x80.txt", "\xf4\x90\x80\x80", "\x80"}) {
        EXPECT_TRUE(refused([&] { display_filename(name); })) << name.size() << " bytes";
    }
}

TEST(DisplayFilename, LongNamesAreCutKeepingTheExtension) {
    EXPECT_EQ(display_filename(std::string(255, 'a')), std::string(255, 'a'));
    EXPECT_EQ(display_filename(std::string(251, 'a') + ".pdf"), std::string(251, 'a') + ".pdf");
    EXPECT_EQ(display_filename(std::string(252, 'a') + ".pdf"), std::string(251, 'a') + ".pdf");
    EXPECT_EQ(display_filename(std::string(1000, 'b') + ".tar.gz"), std::string(252, 'b') + ".gz");
    EXPECT_EQ(display_filename(std::string(300, 'c')), std::string(255, 'c'));
    // What is measured is the name after its folders and trimming went.
    EXPECT_EQ(display_filename("some/folder/  " + std::string(255, 'd') + "  "),
              std::string(255, 'd'));
}

TEST(DisplayFilename, AnExtensionTooLongToBeOneIsCutLikeTheRest) {
    auto name = std::string(300, 'a') + "." + std::string(20, 'b');
    EXPECT_EQ(display_filename(name), std::string(255, 'a'));
    // 15 characters after the dot still count as an extension.
    auto longest = std::string(300, 'a') + "." + std::string(15, 'e');
    EXPECT_EQ(display_filename(longest), std::string(239, 'a') + "." + std::string(15, 'e'));
}

TEST(DisplayFilename, CutsAtACodePointBoundary) {
    // 2-, 3- and 4-byte characters: the stem shrinks by whole characters, so the name stays
    // valid UTF-8 and may fall a few bytes short of 255.
    struct sample {
        std::string unit;
        std::size_t kept;  // characters of the stem that fit beside the extension
        std::string extension;
    };
    const sample samples[] = {{"\u00e9", 125, ".txt"},     // 251 bytes for the stem: 125 x 2
                              {"\u20ac", 83, ".txt"},      // 83 x 3 = 249
                              {"\U0001F600", 63, ".md"}};  // 63 x 4 = 252
    for (const auto& [unit, kept, extension] : samples) {
        auto shown = display_filename(repeat(unit, 200) + extension);
        EXPECT_EQ(shown, repeat(unit, kept) + extension);
        EXPECT_LE(shown.size(), max_filename_bytes);
        EXPECT_GT(shown.size() + unit.size(), max_filename_bytes) << "cut more than needed";
        EXPECT_TRUE(decode_utf8_text(shown).has_value());
    }
    // Without an extension the cut is at a boundary too.
    auto plain = display_filename(repeat("\u20ac", 100));
    EXPECT_EQ(plain, repeat("\u20ac", 85));
    // A multi-byte extension is kept whole.
    EXPECT_EQ(display_filename(std::string(300, 'a') + ".\u00e9\u00e9"),
              std::string(250, 'a') + ".\u00e9\u00e9");
}

// Found by the `names` fuzz target: a cut that ends the stem on a space left that space at
// the end of a name without an extension (and sanitizing it again gave another name).
TEST(DisplayFilename, ACutNeverEndsTheNameWithASpace) {
    auto shown = display_filename(std::string(254, 'x') + "  tail");
    EXPECT_EQ(shown, std::string(254, 'x'));
    EXPECT_EQ(display_filename(shown), shown);
}

// ---- normalized_mime_type ----

TEST(NormalizedMimeType, IsLowercaseWithoutParameters) {
    EXPECT_EQ(normalized_mime_type("text/plain"), "text/plain");
    EXPECT_EQ(normalized_mime_type("Text/HTML"), "text/html");
    EXPECT_EQ(normalized_mime_type("text/plain; charset=UTF-8"), "text/plain");
    EXPECT_EQ(normalized_mime_type("  image/png\t"), "image/png");
    EXPECT_EQ(normalized_mime_type("application/ld+json"), "application/ld+json");
    EXPECT_EQ(normalized_mime_type("application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document"),
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
}

TEST(NormalizedMimeType, NothingMeansOctetStream) {
    EXPECT_EQ(normalized_mime_type(""), "application/octet-stream");
    EXPECT_EQ(normalized_mime_type("  \t "), "application/octet-stream");
    EXPECT_EQ(normalized_mime_type("; charset=utf-8"), "application/octet-stream");
}

TEST(NormalizedMimeType, RefusesWhatIsNotTypeSlashSubtype) {
    const std::string types[] = {"text",          "text/",
                                 "/plain",        "/",
                                 "text/plain/x",  "te xt/plain",
                                 "text/pl ain",   "text/html\r\nSet-Cookie: a=b",
                                 "text/\"html\"", "text/plain,text/html",
                                 "text/h\u00e9",  std::string("text/\0x", 7)};
    for (const auto& type : types) {
        EXPECT_TRUE(refused([&] { normalized_mime_type(type); })) << type;
    }
}

TEST(NormalizedMimeType, BoundsEachPart) {
    EXPECT_EQ(normalized_mime_type(std::string(63, 'a') + "/b"), std::string(63, 'a') + "/b");
    EXPECT_TRUE(refused([] { normalized_mime_type(std::string(64, 'a') + "/b"); }));
    EXPECT_EQ(normalized_mime_type("a/" + std::string(127, 'b')), "a/" + std::string(127, 'b'));
    EXPECT_TRUE(refused([] { normalized_mime_type("a/" + std::string(128, 'b')); }));
}

// ---- normalized_sha256 ----

TEST(NormalizedSha256, AcceptsSixtyFourHexDigitsInEitherCase) {
    std::string digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    EXPECT_EQ(normalized_sha256(digest), digest);
    std::string upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    EXPECT_EQ(normalized_sha256(upper), digest);
}

TEST(NormalizedSha256, RefusesAnythingElse) {
    for (std::string digest :
         {std::string(), std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'g'),
          " " + std::string(63, 'a'), std::string(63, 'a') + " ", "0x" + std::string(62, 'a'),
          std::string(32, 'a'), std::string(62, 'a') + "\u00e9"}) {
        EXPECT_TRUE(refused([&] { normalized_sha256(digest); })) << '"' << digest << '"';
    }
}

TEST(BlockedFileType, MatchesTheLastExtensionTheTypeOrItsFamily) {
    std::vector<std::string> blocked = {".exe", "application/x-msdownload", "video/*"};
    EXPECT_EQ(blocked_file_type(blocked, "setup.exe", "application/octet-stream"), ".exe");
    EXPECT_EQ(blocked_file_type(blocked, "Setup.EXE", "application/octet-stream"), ".exe");
    EXPECT_EQ(blocked_file_type(blocked, "archive.exe.zip", "application/zip"), "");
    EXPECT_EQ(blocked_file_type(blocked, "tool", "application/x-msdownload"),
              "application/x-msdownload");
    EXPECT_EQ(blocked_file_type(blocked, "clip.mov", "video/quicktime"), "video/quicktime");
    EXPECT_EQ(blocked_file_type(blocked, "song.mp3", "audio/mpeg"), "");
    EXPECT_EQ(blocked_file_type(blocked, ".exe", "text/plain"), "");  // a hidden file's name
    EXPECT_EQ(blocked_file_type({}, "setup.exe", "application/x-msdownload"), "");
    // "video/*" is a family, not a prefix of other types.
    EXPECT_EQ(blocked_file_type({"video/*"}, "x.bin", "videos/x"), "");
}

}  // namespace
}  // namespace parlor::files
