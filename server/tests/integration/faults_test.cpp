// What a user notices when the server is killed outright (SIGKILL: no shutdown, no clean-up)
// or its disk fills up: an upload cut off before its `complete` never shows as a file and
// can be finished after the restart; a call either goes on with those who come back within
// the grace period or ends cleanly without them; a full disk refuses uploads (413
// `quota_exceeded` below the --min-free-disk floor at `prepare`, 507 `storage_full` when the
// disk fills during the PUT) and nothing else, keeps what it holds, and takes uploads again
// once there is room.

#include <fcntl.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

// Polls `done` until it holds or `timeout` passes; whether it held.
template <class Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
}

std::set<std::string> participants_of(const json& call) {
    std::set<std::string> ids;
    if (call.is_object())
        for (const auto& p : call["participants"]) ids.insert(p["memberId"].get<std::string>());
    return ids;
}

// ---- an upload cut off by SIGKILL ----

class KilledUploadTest : public files_test {
  protected:
    void SetUp() override {
        files_test::SetUp();
        ada = api().create_room("Ada");
        grace = api().join_room(ada.code, "Grace");
    }

    // Nobody sees the file: not in either member's list, not in the REST state, not in the
    // room:state a socket gets.
    void expect_no_visible_file() {
        for (const auto* who : {&ada, &grace}) {
            SCOPED_TRACE(who->display_name);
            auto listed = list(*who);
            ASSERT_EQ(listed.status, 200) << listed.body;
            EXPECT_EQ(listed.json()["files"], json::array());
            EXPECT_EQ(api().room_state(*who)["files"], json::array());
            json state;
            auto socket = join(*who, &state);
            EXPECT_EQ(state["files"], json::array());
        }
    }

    std::size_t parts_left() {
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& entry :
             std::filesystem::directory_iterator(uploads_dir()))
            ++n;
        return n;
    }

    admission ada, grace;
};

// The bytes arrived (the PUT was answered 204), then the server died before `complete`.
TEST_F(KilledUploadTest, AnUploadKilledBeforeItsCompleteIsInvisibleAndCompletesAfterTheRestart) {
    auto bytes = binary_bytes(300'000, 7);
    auto slot = prepare_upload(ada, "minutes.bin", "application/octet-stream", bytes);
    ASSERT_EQ(put(slot.target, bytes).status, 204);

    server().kill_and_restart();

    expect_no_visible_file();
    auto download = download_link(grace, slot.file_id);
    EXPECT_TRUE(is_error(download, 404, "file_not_found")) << download.body;

    // Ada's client retries the `complete` it never got an answer to: the file appears, for
    // everyone, with the bytes she sent.
    auto grace_ws = join(grace);
    auto done = complete(ada, slot.file_id);
    ASSERT_EQ(done.status, 201) << done.body;
    auto added = grace_ws->next_of_type("file:added");
    ASSERT_TRUE(is_event(added, "file:added"));
    EXPECT_EQ((*added)["data"]["file"]["id"], slot.file_id);
    ASSERT_EQ(list(grace).json()["files"].size(), 1u);
    EXPECT_EQ(fetch(download_target(grace, slot.file_id)).body, bytes);
}

// The server died while the bytes were still arriving: what it had written is never a file,
// and the same link takes the whole upload after the restart.
TEST_F(KilledUploadTest, AnUploadKilledMidPutLeavesNothingAndItsLinkWorksAfterTheRestart) {
    auto bytes = binary_bytes(1'000'000, 8);
    auto slot = prepare_upload(ada, "recording.bin", "", bytes);
    auto part = uploads_dir() / (key_of(slot.target) + ".part");
    {
        http_connection upload(port());
        upload.write_head("PUT", slot.target,
                          {{"Content-Length", std::to_string(bytes.size())},
                           {"Content-Type", "application/octet-stream"}});
        upload.write_raw(bytes.substr(0, 400'000));
        ASSERT_TRUE(eventually([&] {
            std::error_code ec;
            auto size = std::filesystem::file_size(part, ec);
            return !ec && size > 0;
        })) << "the first bytes never reached the disk";

        server().kill_and_restart();
    }

    expect_no_visible_file();
    EXPECT_TRUE(is_error(complete(ada, slot.file_id), 409, "upload_incomplete"));
    EXPECT_TRUE(std::filesystem::is_empty(objects_dir()));

    // The retry: the whole upload again through the same link, then `complete`.
    auto stored = put(slot.target, bytes);
    ASSERT_EQ(stored.status, 204) << stored.body;
    auto done = complete(ada, slot.file_id);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(done.json()["file"]["sizeBytes"], bytes.size());
    EXPECT_EQ(fetch(download_target(grace, slot.file_id)).body, bytes);
    EXPECT_EQ(parts_left(), 0u) << "the cut-off upload's part file is still on the disk";
}

// ---- a call cut off by SIGKILL ----

// Ada created the room and started a call that Grace joined; Linus is in the room, not in
// the call. Everyone has a socket open.
class KilledCallTest : public call_of_two_test {
  protected:
    // SIGKILL and a restart on the same data directory; every socket sees its connection end.
    void kill_server() {
        server().kill_and_restart();
        for (auto* socket : {ada_ws.get(), grace_ws.get(), linus_ws.get()}) {
            auto closed = socket->wait_closed(10s);
            ASSERT_TRUE(closed.has_value()) << "a socket outlived the server";
        }
    }

    // Joins again after the restart; fails the test if the call has already ended, which
    // would mean the restart took longer than the grace period (a slow machine, not a bug).
    std::unique_ptr<ws_client> come_back(const admission& who) {
        json state;
        auto socket = join(who, &state);
        EXPECT_TRUE(state["call"].is_object() && state["call"]["id"] == call_id)
            << who.display_name << " came back to no call: the restart outlasted the grace "
            << "period. room:state: " << shown(state);
        return socket;
    }
};

class KilledCallRecoveryTest : public KilledCallTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--call-grace", "60"}};  // longer than any restart
    }
};

TEST_F(KilledCallRecoveryTest, CallersWhoComeBackWithinTheGraceAreStillInTheCallAndCanSignal) {
    kill_server();

    ada_ws = come_back(ada);
    grace_ws = come_back(grace);
    EXPECT_EQ(participants_of(api().room_state(linus)["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));

    // What the web client does after its socket comes back: call:join again (it is still in
    // the call: only its own socket hears so), then an ICE restart with everyone.
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));  // Grace came online
    for (auto* socket : {ada_ws.get(), grace_ws.get()}) {
        socket->send("call:join", {{"callId", call_id}}, "rejoin");
        auto rejoined = socket->next();
        ASSERT_TRUE(is_event(rejoined, "call:participant-joined"));
    }
    ada_ws->send("signal:offer", {{"to", grace.member_id}, {"callId", call_id}, {"sdp", "v=0 a"}});
    auto offer = grace_ws->next();
    ASSERT_TRUE(is_event(offer, "signal:offer"));
    EXPECT_EQ((*offer)["data"],
              (json{{"from", ada.member_id}, {"callId", call_id}, {"sdp", "v=0 a"}}));
    grace_ws->send("signal:answer", {{"to", ada.member_id}, {"callId", call_id}, {"sdp", "v=0 g"}});
    auto answer = ada_ws->next();
    ASSERT_TRUE(is_event(answer, "signal:answer"));
    EXPECT_EQ((*answer)["data"]["from"], grace.member_id);

    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{ada.member_id, grace.member_id}));
}

class KilledCallEndTest : public KilledCallTest {
  protected:
    static constexpr auto grace_period = 3s;
    std::map<std::string, std::string> server_flags() const override {
        return {{"--call-grace", "3"}};
    }
};

// Ada comes back, Grace does not: Grace is dropped once the grace ends, and the call goes on
// with Ada.
TEST_F(KilledCallEndTest, ACallerWhoDoesNotComeBackIsDroppedAfterTheGrace) {
    kill_server();

    ada_ws = come_back(ada);
    linus_ws = join(linus);
    ASSERT_TRUE(is_event(ada_ws->next(), "member:joined"));  // Linus

    for (auto* socket : {ada_ws.get(), linus_ws.get()}) {
        auto left = socket->next_of_type("call:participant-left", grace_period + 10s);
        ASSERT_TRUE(left.has_value()) << "Grace was never dropped";
        EXPECT_EQ(
            (*left)["data"],
            (json{{"callId", call_id}, {"memberId", grace.member_id}, {"reason", "dropped"}}));
    }
    EXPECT_EQ(participants_of(api().room_state(linus)["call"]),
              std::set<std::string>{ada.member_id});
    // Grace, back later, joins the same call again.
    grace_ws = join(grace);
    grace_ws->send("call:join", {{"callId", call_id}});
    auto joined = ada_ws->next_of_type("call:participant-joined");
    ASSERT_TRUE(joined.has_value());
    EXPECT_EQ((*joined)["data"]["memberId"], grace.member_id);
}

// Nobody in the call comes back: both are dropped, the call ends, and a new one can start.
TEST_F(KilledCallEndTest, ACallNobodyComesBackToEndsCleanlyAndANewOneCanStart) {
    kill_server();

    json state;
    linus_ws = join(linus, &state);
    EXPECT_TRUE(state["call"].is_object())
        << "the call ended before Linus was back: the restart outlasted the grace period";

    std::set<std::string> dropped;
    std::optional<json> ended;
    auto deadline = std::chrono::steady_clock::now() + grace_period + 10s;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
        auto frame = linus_ws->next(1s);
        if (!frame) continue;
        if ((*frame)["type"] == "call:participant-left") {
            EXPECT_EQ((*frame)["data"]["callId"], call_id);
            EXPECT_EQ((*frame)["data"]["reason"], "dropped");
            dropped.insert((*frame)["data"]["memberId"].get<std::string>());
        } else if ((*frame)["type"] == "call:ended") {
            ended = frame;
        } else {
            ADD_FAILURE() << "unexpected " << shown(*frame);
        }
    }
    ASSERT_TRUE(ended.has_value()) << "the call never ended";
    EXPECT_EQ((*ended)["data"], (json{{"callId", call_id}, {"reason", "empty"}}));
    EXPECT_EQ(dropped, (std::set<std::string>{ada.member_id, grace.member_id}));
    EXPECT_TRUE(api().room_state(linus)["call"].is_null());

    // A new call starts, and Ada, back now, finds it and joins it.
    auto next_call = start_call(*linus_ws);
    EXPECT_NE(next_call, call_id);
    json ada_state;
    ada_ws = join(ada, &ada_state);
    ASSERT_TRUE(ada_state["call"].is_object());
    EXPECT_EQ(ada_state["call"]["id"], next_call);
    ada_ws->send("call:join", {{"callId", next_call}});
    EXPECT_TRUE(ada_ws->next_of_type("call:participant-joined").has_value());
    EXPECT_EQ(participants_of(api().room_state(ada)["call"]),
              (std::set<std::string>{linus.member_id, ada.member_id}));
}

// ---- a full disk ----

// The data directory is a tmpfs of 8 MiB of the server's own (see data_dir_on_tmpfs), with a
// floor of 1 MiB (--min-free-disk). The test fills it as something else on the same disk
// would, through the server's view of its files.
class FullDiskTest : public files_test {
  protected:
    static constexpr std::uint64_t disk_bytes = 8 << 20;
    static constexpr std::uint64_t floor_bytes = 1 << 20;

    void SetUp() override {
        server_ = std::make_unique<parlor_process>(
            std::map<std::string, std::string>{{"--min-free-disk", std::to_string(floor_bytes)}});
        try {
            server_->run_through(data_dir_on_tmpfs(server_->data_dir(), disk_bytes));
            server_->start();
        } catch (const std::exception& e) {
            FAIL() << "cannot run parlor on a tmpfs of its own (needs `unshare --mount`, as root "
                      "or with unprivileged user namespaces, and tmpfs): "
                   << e.what();
        }
        ASSERT_EQ(disk_size(), disk_bytes) << "the data directory is not on the test's tmpfs";
    }

    std::filesystem::path seen(const std::filesystem::path& path) {
        return server().as_seen_by_server(path);
    }
    struct ::statvfs disk() {
        struct ::statvfs info {};
        if (::statvfs(seen(server().data_dir()).c_str(), &info) != 0)
            throw std::runtime_error("statvfs: " + std::string(std::strerror(errno)));
        return info;
    }
    std::uint64_t disk_size() { return std::uint64_t{disk().f_blocks} * disk().f_frsize; }
    std::uint64_t disk_free() { return std::uint64_t{disk().f_bavail} * disk().f_frsize; }

    // Another program's file, taking all but `leave` bytes of the disk.
    void fill_disk(std::uint64_t leave = 0) {
        auto path = seen(filler_path());
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0) << "cannot create " << path << ": " << std::strerror(errno);
        std::string chunk(64 * 1024, 'x');
        while (disk_free() > leave) {
            auto size = std::min<std::uint64_t>(chunk.size(), disk_free() - leave);
            auto n = ::write(fd, chunk.data(), size);
            if (n < 0 && errno == ENOSPC) break;
            ASSERT_GE(n, 0) << std::strerror(errno);
        }
        ::close(fd);
        ASSERT_LE(disk_free(), leave + 4096);
    }
    void free_disk() { std::filesystem::remove(seen(filler_path())); }
    std::filesystem::path filler_path() { return server().data_dir() / "someone-elses-file"; }

    std::filesystem::path server_objects() { return seen(objects_dir()); }
    std::filesystem::path server_uploads() { return seen(uploads_dir()); }
};

TEST_F(FullDiskTest, UploadsAreRefusedWhileTheDiskIsFullEverythingElseGoesOnAndTheyResumeAfter) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto grace_ws = join(grace);
    auto kept_bytes = binary_bytes(1'500'000, 11);
    auto kept = share(ada, "kept.bin", "", kept_bytes);
    auto kept_id = kept["id"].get<std::string>();
    ASSERT_TRUE(grace_ws->next_of_type("file:added").has_value());

    // Below the floor: `prepare` refuses an upload that would leave less than 1 MiB free.
    auto too_big = binary_bytes(disk_free() - floor_bytes / 2, 12);
    auto refused = prepare(ada, prepare_body("too-big.bin", "", too_big));
    EXPECT_TRUE(is_error(refused, 413, "quota_exceeded")) << refused.body;
    EXPECT_NE(refused.body.find("low on disk space"), std::string::npos) << refused.body;

    // Above it, but something else fills the disk (to 512 KiB) before the bytes arrive: the
    // PUT runs out of space, is 507 `storage_full`, and nothing of it stays on the disk.
    auto late_bytes = binary_bytes(2'000'000, 13);
    auto late = prepare_upload(ada, "late.bin", "", late_bytes);
    fill_disk(512 << 10);
    auto free_before = disk_free();
    auto stored = put(late.target, late_bytes);
    EXPECT_TRUE(is_error(stored, 507, "storage_full")) << stored.body;
    EXPECT_TRUE(std::filesystem::is_empty(server_uploads())) << "a part file was left behind";
    EXPECT_FALSE(std::filesystem::exists(server_objects() / key_of(late.target)));
    EXPECT_GE(disk_free() + 64 * 1024, free_before) << "the failed upload's bytes still take space";
    EXPECT_TRUE(is_error(complete(ada, late.file_id), 409, "upload_incomplete"));
    // Under the floor now, so `prepare` is refused before any byte is sent.
    auto while_full = prepare(grace, prepare_body("small.txt", "text/plain", "small"));
    EXPECT_TRUE(is_error(while_full, 413, "quota_exceeded")) << while_full.body;

    // Everything else goes on: what is stored downloads intact, the server answers, people
    // join and come back, sockets work, calls start.
    EXPECT_TRUE(still_serving());
    EXPECT_EQ(fetch(download_target(grace, kept_id)).body, kept_bytes);
    EXPECT_EQ(list(grace).json()["files"].size(), 1u);
    auto rejoined = api().join(ada.code, "{}", bearer(grace.token));
    EXPECT_EQ(rejoined.status, 200) << rejoined.body;
    auto newcomer = api().join(ada.code, name_body("Linus"));
    EXPECT_EQ(newcomer.status, 200) << newcomer.body;
    auto ada_ws = join(ada);
    ada_ws->send("call:start", {}, "start");
    EXPECT_TRUE(is_event(ada_ws->next_of_type("call:started"), "call:started"));

    // Space comes back: the same link takes the upload, and new uploads are accepted.
    free_disk();
    auto retried = put(late.target, late_bytes);
    ASSERT_EQ(retried.status, 204) << retried.body;
    auto done = complete(ada, late.file_id);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(fetch(download_target(grace, late.file_id)).body, late_bytes);
    EXPECT_EQ(prepare(grace, prepare_body("small.txt", "text/plain", "small")).status, 201);
    EXPECT_EQ(fetch(download_target(grace, kept_id)).body, kept_bytes);
}

// Filled to the last byte (by something else: parlor's own uploads stop at the floor), the
// database cannot write either: what needs a write is 503 `unavailable` (docs/protocol.md,
// "Errors"), what only reads goes on, and writes work again as soon as there is room.
TEST_F(FullDiskTest, ADiskFullToTheLastByteRefusesWritesWith503ServesReadsAndRecovers) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    auto kept_bytes = binary_bytes(1'000'000, 21);
    auto kept_id = share(ada, "kept.bin", "", kept_bytes)["id"].get<std::string>();

    fill_disk();

    EXPECT_TRUE(server().running());
    EXPECT_TRUE(is_error(api().join(ada.code, name_body("Linus")), 503, "unavailable"));
    EXPECT_TRUE(
        is_error(prepare(ada, prepare_body("a.txt", "text/plain", "a")), 413, "quota_exceeded"));
    EXPECT_EQ(fetch(download_target(grace, kept_id)).body, kept_bytes);
    EXPECT_EQ(api().room_state(grace)["members"].size(), 2u);
    json state;
    auto grace_ws = join(grace, &state);  // a socket joins: a read
    EXPECT_EQ(state["files"].size(), 1u);

    free_disk();

    auto linus = api().join(ada.code, name_body("Linus"));
    EXPECT_EQ(linus.status, 200) << linus.body;
    EXPECT_EQ(api().room_state(grace)["members"].size(), 3u);
    auto more = binary_bytes(100'000, 22);
    auto more_id = share(ada, "more.bin", "", more)["id"].get<std::string>();
    EXPECT_EQ(fetch(download_target(grace, more_id)).body, more);
    EXPECT_TRUE(still_serving());
}

}  // namespace
}  // namespace parlor::itest
