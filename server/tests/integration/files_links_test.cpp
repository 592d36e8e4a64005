// The local store's signed links, /blobs/<key>?…: what one link allows (one method, one
// object, its size, until it expires), how uploads are received (exact length, 100-continue,
// once), and how downloads are served (ranges, HEAD, never rendered in our origin).

#include <thread>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

const std::string not_valid = "This link is not valid";

// A 403 `forbidden` with this message.
::testing::AssertionResult refused(const http_reply& r, const std::string& message) {
    auto forbidden = is_error(r, 403, "forbidden");
    if (!forbidden) return forbidden;
    if (r.json()["error"]["message"] != message)
        return ::testing::AssertionFailure() << "refused for another reason: " << r.body;
    return ::testing::AssertionSuccess();
}

// `target` with the query parameter `name` set to `value` (appended when absent); a null
// value removes it.
std::string with_param(const std::string& target, const std::string& name,
                       const std::optional<std::string>& value) {
    auto question = target.find('?');
    std::string path = target.substr(0, question), query = target.substr(question + 1), out;
    bool found = false;
    for (std::size_t at = 0; at <= query.size();) {
        auto end = std::min(query.find('&', at), query.size());
        auto pair = query.substr(at, end - at);
        at = end + 1;
        if (pair.substr(0, pair.find('=')) == name) {
            found = true;
            if (!value) continue;
            pair = name + "=" + *value;
        }
        out += (out.empty() ? "" : "&") + pair;
    }
    if (!found && value) out += "&" + name + "=" + *value;
    return path + "?" + out;
}

std::string param_of(const std::string& target, const std::string& name) {
    auto at = target.find(name + "=", target.find('?'));
    if (at == std::string::npos) return {};
    at += name.size() + 1;
    return target.substr(at, target.find('&', at) - at);
}

// The same target for the object `key`.
std::string for_key(const std::string& target, const std::string& key) {
    return "/blobs/" + key + target.substr(target.find('?'));
}

class FileLinksTest : public files_test {
  protected:
    void SetUp() override {
        files_test::SetUp();
        ada = api().create_room("Ada");
    }

    http_reply put_with_length(const std::string& target, std::string_view body,
                               std::size_t declared) {
        http_connection c(port());
        c.write_head("PUT", target, {{"Content-Length", std::to_string(declared)}});
        c.write_raw(body);
        return c.read_reply();
    }

    admission ada;
};

// ---- uploads ----

TEST_F(FileLinksTest, AnUploadLinkTakesExactlyItsSize) {
    auto bytes = binary_bytes(1000);
    auto slot = prepare_upload(ada, "exact.bin", "", bytes);

    EXPECT_TRUE(is_error(put(slot.target, bytes.substr(0, 999)), 400, "bad_request"));
    EXPECT_TRUE(is_error(put(slot.target, bytes + "x"), 400, "bad_request"));
    EXPECT_TRUE(is_error(put_with_length(slot.target, bytes, 0), 400, "bad_request"));
    http_connection no_length(port());
    no_length.write_head("PUT", slot.target);
    EXPECT_TRUE(is_error(no_length.read_reply(), 400, "bad_request"));
    http_connection chunked(port());
    chunked.write_head("PUT", slot.target, {{"Transfer-Encoding", "chunked"}});
    chunked.write_raw("3e8\r\n" + bytes + "\r\n0\r\n\r\n");
    EXPECT_TRUE(is_error(chunked.read_reply(), 400, "bad_request"));

    // None of that used the link up.
    EXPECT_TRUE(std::filesystem::is_empty(objects_dir()));
    ASSERT_EQ(put(slot.target, bytes).status, 204);
    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
}

TEST_F(FileLinksTest, AnUploadCutShortKeepsNothingAndCanBeRetried) {
    auto bytes = binary_bytes(1000);
    auto slot = prepare_upload(ada, "cut.bin", "", bytes);
    {
        http_connection c(port());
        c.write_head("PUT", slot.target, {{"Content-Length", "1000"}, {"Expect", "100-continue"}});
        ASSERT_EQ(c.read_reply().status, 100);
        c.write_raw(bytes.substr(0, 500));
        EXPECT_FALSE(std::filesystem::is_empty(uploads_dir())) << "no upload in progress";
    }  // the client goes away

    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::is_empty(uploads_dir()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(std::filesystem::is_empty(uploads_dir())) << "the partial upload is kept";
    EXPECT_TRUE(is_error(complete(ada, slot.file_id), 409, "upload_incomplete"));
    ASSERT_EQ(put(slot.target, bytes).status, 204);
    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
    EXPECT_TRUE(fetch(download_target(ada, slot.file_id)).body == bytes);
}

TEST_F(FileLinksTest, ExpectContinueIsAnsweredBeforeTheBody) {
    auto bytes = binary_bytes(1000);
    auto slot = prepare_upload(ada, "careful.bin", "", bytes);
    header_list careful = {{"Content-Length", "1000"}, {"Expect", "100-continue"}};

    http_connection c(port());
    c.write_head("PUT", slot.target, careful);
    EXPECT_EQ(c.read_reply().status, 100);
    c.write_raw(bytes);
    EXPECT_EQ(c.read_reply().status, 204);

    // A link that refuses does so before the body, with no 100.
    for (const auto& target : {slot.target, with_param(slot.target, "sig", "00")}) {
        http_connection again(port());
        again.write_head("PUT", target, careful);
        EXPECT_TRUE(is_error(again.read_reply(), 403, "forbidden")) << target;
    }
}

TEST_F(FileLinksTest, ALinkUploadsOneObjectOnce) {
    auto other = binary_bytes(1000, 1), declared = binary_bytes(1000, 2);
    auto slot = prepare_upload(ada, "race.bin", "", declared);

    // Two uploads through one link at once: the second is refused while the first arrives
    // (one PUT in flight per link), and writes nothing.
    http_connection first(port());
    first.write_head("PUT", slot.target, {{"Content-Length", "1000"}, {"Expect", "100-continue"}});
    ASSERT_EQ(first.read_reply().status, 100);
    first.write_raw(declared.substr(0, 500));
    EXPECT_TRUE(is_error(put(slot.target, other), 409, "upload_in_progress"));
    first.write_raw(declared.substr(500));
    EXPECT_EQ(first.read_reply().status, 204);
    // And later uploads are refused: the link has been used.
    EXPECT_TRUE(is_error(put(slot.target, other), 403, "forbidden"));

    EXPECT_EQ(complete(ada, slot.file_id).status, 201);
    EXPECT_TRUE(fetch(download_target(ada, slot.file_id)).body == declared);
    EXPECT_TRUE(std::filesystem::is_empty(uploads_dir()));
}

// ---- signatures ----

TEST_F(FileLinksTest, TamperedUploadLinksAreNotValid) {
    auto bytes = binary_bytes(1000);
    auto slot = prepare_upload(ada, "tamper.bin", "", bytes);
    const auto& t = slot.target;
    auto sig = param_of(t, "sig");
    auto expires = std::stoll(param_of(t, "expires"));
    std::string flipped = sig;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    const std::pair<const char*, std::string> tampered[] = {
        {"another signature", with_param(t, "sig", flipped)},
        {"no signature", with_param(t, "sig", std::nullopt)},
        {"no expiry", with_param(t, "expires", std::nullopt)},
        {"a later expiry", with_param(t, "expires", std::to_string(expires + 3600))},
        {"an extra parameter", with_param(t, "name", "x")},
        {"a repeated parameter", t + "&size=1000"},
        {"a bad escape", with_param(t, "name", "%zz")},
        {"a truncated escape", with_param(t, "name", "%4")},
        {"a parameter without a value", t + "&flag"},
        {"another object", for_key(t, "00000000-0000-4000-8000-000000000000")},
        {"no query", t.substr(0, t.find('?'))},
    };
    for (const auto& [what, target] : tampered)
        EXPECT_TRUE(refused(put(target, bytes), not_valid)) << what << ": " << target;
    auto bigger = binary_bytes(2000);
    EXPECT_TRUE(refused(put(with_param(t, "size", "2000"), bigger), not_valid));
    // A path that is no key of ours is no object at all.
    EXPECT_TRUE(is_error(put(for_key(t, "..%2F..%2Fetc%2Fpasswd"), bytes), 404, "not_found"));

    EXPECT_TRUE(std::filesystem::is_empty(objects_dir()));
    EXPECT_EQ(put(t, bytes).status, 204) << "the genuine link no longer works";
}

TEST_F(FileLinksTest, TamperedDownloadLinksAreNotValid) {
    auto file = share(ada, "report.txt", "text/plain", "the report");
    auto t = download_target(ada, file["id"]);
    auto expires = std::stoll(param_of(t, "expires"));

    const std::pair<const char*, std::string> tampered[] = {
        {"another name", with_param(t, "name", "report.html")},
        {"another type", with_param(t, "type", "text%2Fhtml")},
        {"no type", with_param(t, "type", std::nullopt)},
        {"a later expiry", with_param(t, "expires", std::to_string(expires + 3600))},
        {"another signature", with_param(t, "sig", std::string(64, 'a'))},
    };
    for (const auto& [what, target] : tampered) {
        EXPECT_TRUE(refused(fetch(target), not_valid)) << what << ": " << target;
        EXPECT_EQ(fetch(target, "HEAD").status, 403) << what;
    }
    EXPECT_EQ(fetch(t).body, "the report");
}

TEST_F(FileLinksTest, ALinkWorksForItsOwnMethodAndObjectOnly) {
    auto one = share(ada, "one.txt", "text/plain", "one");
    auto two = share(ada, "two.txt", "text/plain", "two");
    auto read_one = download_target(ada, one["id"]), read_two = download_target(ada, two["id"]);
    auto pending = prepare_upload(ada, "three.txt", "text/plain", "333");

    // A download link does not upload, an upload link does not download.
    EXPECT_TRUE(refused(put(read_one, "one"), not_valid));
    EXPECT_TRUE(refused(put(for_key(read_one, key_of(pending.target)), "333"), not_valid));
    EXPECT_TRUE(refused(fetch(pending.target), not_valid));
    // One object's link does not reach another.
    EXPECT_TRUE(refused(fetch(for_key(read_one, key_of(read_two))), not_valid));
    auto other_slot = prepare_upload(ada, "four.txt", "text/plain", "444");
    EXPECT_TRUE(refused(put(for_key(pending.target, key_of(other_slot.target)), "333"), not_valid));
    // Other methods are not link methods.
    for (const auto* method : {"POST", "DELETE", "PATCH"})
        EXPECT_TRUE(is_error(fetch(read_one, method), 405, "method_not_allowed")) << method;

    EXPECT_EQ(fetch(read_one).body, "one");
    EXPECT_EQ(fetch(read_two).body, "two");
    EXPECT_FALSE(std::filesystem::exists(objects_dir() / key_of(other_slot.target)));
    ASSERT_EQ(put(pending.target, "333").status, 204);
    EXPECT_EQ(complete(ada, pending.file_id).status, 201);
}

// ---- downloads ----

TEST_F(FileLinksTest, ASingleRangeIsServedAndOthersAreNot) {
    auto bytes = binary_bytes(1000);
    auto t = download_target(ada, share(ada, "ranged.bin", "", bytes)["id"]);
    auto ranged = [&](const std::string& range) { return fetch(t, "GET", {{"Range", range}}); };

    const std::tuple<const char*, std::size_t, std::size_t> partial[] = {
        {"bytes=10-19", 10, 19},      {"bytes=-5", 995, 999}, {"bytes=990-", 990, 999},
        {"bytes=995-5000", 995, 999}, {"bytes=0-0", 0, 0},
    };
    for (const auto& [range, first, last] : partial) {
        auto r = ranged(range);
        ASSERT_EQ(r.status, 206) << range;
        EXPECT_EQ(r.header("Content-Range"),
                  "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/1000")
            << range;
        EXPECT_TRUE(r.body == bytes.substr(first, last - first + 1)) << range;
    }
    for (const auto* range : {"bytes=1000-", "bytes=5000-6000", "bytes=-0"}) {
        auto r = ranged(range);
        EXPECT_EQ(r.status, 416) << range;
        EXPECT_EQ(r.header("Content-Range"), "bytes */1000") << range;
        EXPECT_EQ(r.body, "") << range;
    }
    // Several ranges, or a range we cannot read, get the whole file.
    for (const auto* range : {"bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes=x-"}) {
        auto r = ranged(range);
        EXPECT_EQ(r.status, 200) << range;
        EXPECT_TRUE(r.body == bytes) << range;
    }
}

TEST_F(FileLinksTest, HeadAnswersTheHeadersOnly) {
    auto bytes = binary_bytes(1000);
    auto t = download_target(ada, share(ada, "head.bin", "application/x-thing", bytes)["id"]);

    auto get = fetch(t);
    auto head = fetch(t, "HEAD");

    EXPECT_EQ(head.status, 200);
    for (const auto* name : {"Content-Length", "Content-Type", "Content-Disposition",
                             "Accept-Ranges", "X-Content-Type-Options", "Content-Security-Policy"})
        EXPECT_EQ(head.header(name), get.header(name)) << name;
    EXPECT_EQ(head.header("Content-Length"), "1000");
    // Nothing follows the head on the wire.
    auto raw =
        send_raw(port(), "HEAD " + t + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(raw.closed_by_peer);
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 200")) << raw.received;
    EXPECT_TRUE(raw.received.ends_with("\r\n\r\n")) << "a body followed: " << raw.received;
}

// A HEAD sends no body, and the connection stays usable as its response promised.
TEST_F(FileLinksTest, HeadKeepsTheConnectionOpenLikeGet) {
    auto t = download_target(ada, share(ada, "twice.txt", "text/plain", "twice")["id"]);
    http_connection c(port());

    auto head = c.request("HEAD", t);
    ASSERT_EQ(head.status, 200);
    EXPECT_TRUE(head.keep_alive) << "a connection to be closed should say Connection: close";
    http_reply next;
    EXPECT_NO_THROW(next = c.request("GET", t)) << "the server hung up after HEAD";
    EXPECT_EQ(next.body, "twice");
}

// RFC 9110: a HEAD response never has a body, refusals (expired or tampered links) included.
TEST_F(FileLinksTest, ARefusedHeadHasNoBody) {
    auto t = download_target(ada, share(ada, "refused.txt", "text/plain", "refused")["id"]);
    auto raw = send_raw(port(), "HEAD " + with_param(t, "sig", "00") +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(raw.received.starts_with("HTTP/1.1 403")) << raw.received;
    EXPECT_TRUE(raw.received.ends_with("\r\n\r\n")) << "a body followed: " << raw.received;
}

TEST_F(FileLinksTest, HtmlIsSavedAsAnAttachmentAndNeverRunsInOurOrigin) {
    const std::string script = "<script>alert(1)</script>";
    auto file = share(ada, "evil.html", "text/html", script);
    auto t = download_target(ada, file["id"]);

    for (const auto* method : {"GET", "HEAD"}) {
        SCOPED_TRACE(method);
        auto r = fetch(t, method);
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.header("Content-Type"), "text/html");
        EXPECT_EQ(r.header("Content-Disposition"),
                  "attachment; filename=\"evil.html\"; filename*=UTF-8''evil.html");
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(r.header("Content-Security-Policy"), "default-src 'none'; sandbox");
        EXPECT_EQ(r.body, std::string(method) == "GET" ? script : "");
    }
}

// ---- expiry (the one test here that waits: links live at least 10 s) ----

class FileLinkExpiryTest : public FileLinksTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--upload-link-ttl", "3"}, {"--download-link-ttl", "3"}};
    }
};

TEST_F(FileLinkExpiryTest, ExpiredLinksAreRefusedAndUnfinishedUploadsAreSwept) {
    auto kept = share(ada, "kept.txt", "text/plain", "kept");
    auto uploaded = prepare_upload(ada, "uploaded.bin", "", "never completed");
    ASSERT_EQ(put(uploaded.target, "never completed").status, 204);
    auto pending = prepare_upload(ada, "pending.bin", "", "never sent");
    auto download = download_target(ada, kept["id"]);  // issued last, so it expires last
    auto expires_in = seconds_from_now(pending.body["upload"]["expiresAt"]);
    ASSERT_TRUE(expires_in.has_value());
    EXPECT_NEAR(*expires_in, 3, 1.5);
    auto object = objects_dir() / key_of(uploaded.target);
    ASSERT_TRUE(std::filesystem::exists(object));

    // Wait for the download link to lapse, asking the server (HEAD changes nothing).
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (fetch(download, "HEAD").status == 200 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(refused(fetch(download), "This link has expired"));
    EXPECT_TRUE(refused(put(pending.target, "never sent"), "This link has expired"));
    EXPECT_EQ(fetch(download_target(ada, kept["id"])).body, "kept") << "a new link should work";

    // At startup the server forgets the prepared uploads whose link expired, bytes and all.
    server().restart();
    auto swept = server().wait_for_log("expired_uploads_removed");
    ASSERT_TRUE(swept.has_value()) << "no sweep at startup";
    EXPECT_NE(swept->find("\"count\":2"), std::string::npos) << *swept;
    EXPECT_TRUE(is_error(complete(ada, uploaded.file_id), 404, "file_not_found"));
    EXPECT_TRUE(is_error(complete(ada, pending.file_id), 404, "file_not_found"));
    EXPECT_FALSE(std::filesystem::exists(object)) << "the swept upload's bytes are still stored";
    EXPECT_EQ(list(ada).json()["files"], json::array({kept}));
    EXPECT_EQ(fetch(download_target(ada, kept["id"])).body, "kept");
    // Only the kept file's object (and its digest) is left.
    std::size_t left = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(objects_dir()))
        ++left;
    EXPECT_EQ(left, 2u);
}

}  // namespace
}  // namespace parlor::itest
