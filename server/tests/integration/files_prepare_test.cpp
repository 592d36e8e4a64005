// What `POST /api/rooms/:code/files/prepare` accepts and refuses, how it normalises what it
// keeps (filenames above all), the size limit, and who may make the file calls at all.

#include <cctype>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

class FilesPrepareTest : public files_test {
  protected:
    static json with(json body, const std::string& field, const json& value) {
        body[field] = value;
        return body;
    }
    static json without(json body, const std::string& field) {
        body.erase(field);
        return body;
    }
    http_reply prepare_raw(const admission& who, const std::string& body) {
        return api().call("POST", files_path(who, "/prepare"), body, bearer(who.token));
    }
};

std::string percent_encoded(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += {'%', digits[c >> 4], digits[c & 0x0f]};
        }
    }
    return out;
}

// ---- fields ----

TEST_F(FilesPrepareTest, MalformedFieldsAreBadRequests) {
    auto ada = api().create_room("Ada");
    auto good = prepare_body("notes.txt", "text/plain", "hello");
    auto good_text = good.dump();
    const std::pair<const char*, std::string> cases[] = {
        {"an empty body", ""},
        {"a body that is not JSON", "{\"filename\":"},
        {"a JSON array", "[]"},
        {"no filename", without(good, "filename").dump()},
        {"no sizeBytes", without(good, "sizeBytes").dump()},
        {"no sha256", without(good, "sha256").dump()},
        {"a numeric filename", with(good, "filename", 7).dump()},
        {"sizeBytes as a string", with(good, "sizeBytes", "5").dump()},
        {"a null sizeBytes", with(good, "sizeBytes", nullptr).dump()},
        {"a negative sizeBytes", with(good, "sizeBytes", -5).dump()},
        {"a fractional sizeBytes", with(good, "sizeBytes", 4.5).dump()},
        {"a boolean sizeBytes", with(good, "sizeBytes", true).dump()},
        {"a numeric mimeType", with(good, "mimeType", 12).dump()},
        {"a numeric sha256", with(good, "sha256", 12).dump()},
        {"a sha256 of 63 digits", with(good, "sha256", std::string(63, 'a')).dump()},
        {"a sha256 of 65 digits", with(good, "sha256", std::string(65, 'a')).dump()},
        {"a sha256 that is not hex", with(good, "sha256", std::string(64, 'g')).dump()},
        {"a mimeType without a subtype", with(good, "mimeType", "text").dump()},
        {"a mimeType with an empty subtype", with(good, "mimeType", "text/").dump()},
        {"a mimeType with an empty type", with(good, "mimeType", "/plain").dump()},
        {"a mimeType with two slashes", with(good, "mimeType", "text/plain/x").dump()},
        {"a mimeType with a header in it",
         with(good, "mimeType", "text/html\r\nSet-Cookie: a=b").dump()},
        {"an empty filename", with(good, "filename", "").dump()},
        {"a filename of folders only", with(good, "filename", "../../").dump()},
        {"a filename of spaces", with(good, "filename", "   ").dump()},
        {"a filename of '..'", with(good, "filename", "..").dump()},
        {"a filename of a bidi override", with(good, "filename", "\u202e").dump()},
        {"a filename of invalid UTF-8",
         R"({"filename":"a)" + std::string("\xff\xfe") + good_text.substr(22)},
        {"a filename with a lone surrogate",
         R"({"filename":"\udc00.txt")" + good_text.substr(good_text.find(','))},
    };
    ASSERT_EQ(good_text.substr(0, 22), R"({"filename":"notes.txt)");

    for (const auto& [what, body] : cases) {
        EXPECT_TRUE(is_error(prepare_raw(ada, body), 400, "bad_request")) << what << ": " << body;
    }
    EXPECT_EQ(prepare_raw(ada, good_text).status, 201) << "the good body itself is refused";
}

TEST_F(FilesPrepareTest, WhatIsKeptIsNormalised) {
    auto ada = api().create_room("Ada");
    auto upper_sha = sha256_of("hello");
    for (auto& c : upper_sha) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto slot = prepare(ada, {{"filename", "Notes.TXT"},
                              {"mimeType", " Text/Plain; charset=UTF-8"},
                              {"sizeBytes", 5},
                              {"sha256", upper_sha}});
    ASSERT_EQ(slot.status, 201) << slot.body;
    ASSERT_EQ(put(target_of(slot.json()["upload"]["url"]), "hello").status, 204);

    auto file = complete(ada, slot.json()["fileId"]).json()["file"];

    EXPECT_EQ(file["filename"], "Notes.TXT");
    EXPECT_EQ(file["mimeType"], "text/plain");
    EXPECT_EQ(file["sha256"], sha256_of("hello"));
    EXPECT_EQ(fetch(download_target(ada, file["id"])).header("Content-Type"), "text/plain");
}

TEST_F(FilesPrepareTest, WithoutAMimeTypeAFileIsOctetStream) {
    auto ada = api().create_room("Ada");
    auto body = prepare_body("data.bin", "", "\x01\x02\x03");
    for (const auto& variant : {without(body, "mimeType"), with(body, "mimeType", nullptr), body}) {
        auto slot = prepare(ada, variant);
        ASSERT_EQ(slot.status, 201) << slot.body;
        ASSERT_EQ(put(target_of(slot.json()["upload"]["url"]), "\x01\x02\x03").status, 204);
        auto file = complete(ada, slot.json()["fileId"]).json()["file"];
        EXPECT_EQ(file["mimeType"], "application/octet-stream") << variant;
        EXPECT_EQ(fetch(download_target(ada, file["id"])).header("Content-Type"),
                  "application/octet-stream");
    }
}

TEST_F(FilesPrepareTest, AnEmptyFileCanBeShared) {
    auto ada = api().create_room("Ada");

    auto file = share(ada, "empty.txt", "text/plain", "");

    EXPECT_EQ(file["sizeBytes"], 0);
    EXPECT_EQ(file["sha256"], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto got = fetch(download_target(ada, file["id"]));
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.header("Content-Length"), "0");
    EXPECT_EQ(got.body, "");
}

// ---- the size limit ----

TEST_F(FilesPrepareTest, FilesOverTheLimitArePayloadTooLarge) {
    auto ada = api().create_room("Ada");
    auto sized = [](std::uint64_t size) {
        return json{{"filename", "big.iso"}, {"sizeBytes", size}, {"sha256", std::string(64, '0')}};
    };
    constexpr std::uint64_t default_limit = 100 * 1024 * 1024;
    EXPECT_EQ(prepare(ada, sized(default_limit)).status, 201);
    EXPECT_TRUE(is_error(prepare(ada, sized(default_limit + 1)), 413, "payload_too_large"));
    EXPECT_TRUE(is_error(prepare(ada, sized(UINT64_MAX)), 413, "payload_too_large"));

    parlor_process small(std::map<std::string, std::string>{{"--max-file-bytes", "1000"}});
    small.start();
    parlor_client client(small.port());
    auto otto = client.create_room("Otto");
    auto path = "/api/rooms/" + otto.code + "/files/prepare";
    EXPECT_EQ(client.call("POST", path, sized(1000).dump(), bearer(otto.token)).status, 201);
    auto over = client.call("POST", path, sized(1001).dump(), bearer(otto.token));
    EXPECT_TRUE(is_error(over, 413, "payload_too_large"));
    EXPECT_NE(over.body.find("1000"), std::string::npos) << "the limit is not named: " << over.body;
}

// ---- who may ----

TEST_F(FilesPrepareTest, FileCallsAreForMembersOfTheRoom) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto otto = api().create_room("Otto");
    auto file = share(ada, "shared.txt", "text/plain", "shared");
    auto body = prepare_body("x.txt", "text/plain", "x").dump();
    auto complete_body = json{{"fileId", file["id"]}}.dump();
    auto calls = [&](const std::string& code, const header_list& auth) {
        auto base = "/api/rooms/" + code + "/files";
        return std::vector<std::pair<std::string, http_reply>>{
            {"prepare", api().call("POST", base + "/prepare", body, auth)},
            {"complete", api().call("POST", base + "/complete", complete_body, auth)},
            {"list", api().call("GET", base, {}, auth)}};
    };
    auto download = [&](const header_list& auth) {
        return api().call("GET", "/api/files/" + file["id"].get<std::string>() + "/download", {},
                          auth);
    };

    for (const auto& [what, r] : calls(ada.code, {}))
        EXPECT_TRUE(is_error(r, 401, "unauthorized")) << what << " without a token";
    for (const auto& [what, r] : calls(ada.code, bearer("not-a-token")))
        EXPECT_TRUE(is_error(r, 401, "unauthorized")) << what << " with a bad token";
    for (const auto& [what, r] : calls(ada.code, bearer(otto.token)))
        EXPECT_TRUE(is_error(r, 403, "forbidden")) << what << " with another room's token";
    for (const auto& [what, r] : calls("0000-0000-0000", bearer(ada.token)))
        EXPECT_TRUE(is_error(r, 404, "room_not_found")) << what << " in a room that is not there";
    EXPECT_TRUE(is_error(download({}), 401, "unauthorized"));
    EXPECT_TRUE(is_error(download(bearer("not-a-token")), 401, "unauthorized"));
    EXPECT_EQ(download(bearer(grace.token)).status, 200);

    // A member who left is nobody.
    ASSERT_EQ(api().leave(ada.code, bearer(grace.token)).status, 204);
    for (const auto& [what, r] : calls(ada.code, bearer(grace.token)))
        EXPECT_TRUE(is_error(r, 401, "unauthorized")) << what << " after leaving";
    EXPECT_TRUE(is_error(download(bearer(grace.token)), 401, "unauthorized"));
}

// ---- filenames ----

TEST_F(FilesPrepareTest, FilenamesAreSanitisedForDisplayAndNeverNameStoredFiles) {
    auto ada = api().create_room("Ada");
    const std::pair<std::string, std::string> names[] = {
        {"../../etc/passwd", "passwd"},
        {"a\\b\\c.txt", "c.txt"},
        {"C:\\Users\\ada\\quarterly.pdf", "quarterly.pdf"},
        {"  spaced out.txt \t", "spaced out.txt"},
        {"invoice\u202Efdp.exe", "invoicefdp.exe"},
        {"bell\x07\x1b[31m.txt", "bell[31m.txt"},
        {"line\u2028break\u2066.txt", "linebreak.txt"},
        {"r\u00e9sum\u00e9.pdf", "r\u00e9sum\u00e9.pdf"},
        {std::string(300, 'x') + ".pdf", std::string(251, 'x') + ".pdf"},
    };

    std::string resume_id;
    for (const auto& [requested, shown] : names) {
        SCOPED_TRACE(requested);
        auto file = share(ada, requested, "text/plain", "content");
        EXPECT_EQ(file["filename"], shown);
        auto got = fetch(download_target(ada, file["id"]));
        auto disposition = got.header("Content-Disposition").value_or("");
        EXPECT_TRUE(disposition.ends_with("; filename*=UTF-8''" + percent_encoded(shown)))
            << disposition;
        if (shown.starts_with("r\u00e9sum")) resume_id = file["id"];
    }
    EXPECT_EQ(list(ada).json()["files"].size(), std::size(names));
    // Browsers that ignore filename* get an ASCII fallback.
    EXPECT_EQ(fetch(download_target(ada, resume_id)).header("Content-Disposition"),
              "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");

    // Stored objects are named by the server's keys alone, and nothing landed elsewhere.
    std::size_t objects = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(server().root())) {
        auto name = entry.path().filename().string();
        for (const auto& fragment : {"passwd", "c.txt", "quarterly", "spaced", "invoice", "bell",
                                     "break", "r\u00e9sum", "xxxxxxxx"}) {
            EXPECT_EQ(name.find(fragment), std::string::npos) << entry.path();
        }
        if (entry.path().parent_path() == objects_dir() && entry.path().extension() != ".sha256") {
            ++objects;
            EXPECT_TRUE(is_uuid(name)) << entry.path();
        }
    }
    EXPECT_EQ(objects, std::size(names));
}

// ---- blocked file types ----

class BlockedFileTypesTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--blocked-file-types", " .EXE,video/*, application/x-msdownload"}};
    }
};

TEST_F(BlockedFileTypesTest, APreparedFileOfABlockedTypeIsRefusedNamingTheType) {
    auto ada = api().create_room("Ada");
    struct refused {
        const char* filename;
        const char* mime;
        const char* named;
    } cases[] = {
        {"setup.exe", "", ".exe"},
        {"Setup.Final.EXE", "application/octet-stream", ".exe"},
        {"clip.mov", "video/quicktime", "video/quicktime"},
        {"tool.bin", "application/x-msdownload", "application/x-msdownload"},
    };
    for (const auto& c : cases) {
        auto r = prepare(ada, prepare_body(c.filename, c.mime, "MZ"));
        EXPECT_TRUE(is_error(r, 415, "file_type_not_allowed")) << c.filename;
        EXPECT_EQ(r.json()["error"]["message"],
                  std::string("Files of type ") + c.named + " are not allowed in this room");
    }
    // Nothing refused counts against the room or shows.
    EXPECT_EQ(api().room_state(ada)["files"], json::array());
    for (auto [filename, mime] :
         {std::pair{"notes.txt", "text/plain"}, std::pair{"exe.notes", "text/plain"},
          std::pair{"song.mp3", "audio/mpeg"}}) {
        EXPECT_EQ(prepare(ada, prepare_body(filename, mime, "ok")).status, 201) << filename;
    }
    // Clients learn the list before anyone picks a file.
    EXPECT_EQ(api().room_state(ada)["blockedFileTypes"],
              (json{".exe", "video/*", "application/x-msdownload"}));
}

TEST(BlockedFileTypesFlag, AnEntryThatIsNoTypeStopsTheStart) {
    EXPECT_TRUE(refuses_to_start({"--blocked-file-types", "exe"}, "is not an extension"));
    EXPECT_TRUE(refuses_to_start({"--blocked-file-types", "video/"}, "is not an extension"));
}

}  // namespace
}  // namespace parlor::itest
