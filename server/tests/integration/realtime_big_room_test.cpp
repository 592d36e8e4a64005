// Rooms as large as the quotas let them grow (issue 11, hole 2): room:state is one frame,
// which may be larger than a socket's outgoing queue cap; it must still reach the member
// who joined, and the REST views of the same room must stay quick.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "common/random.hpp"
#include "common/asio.hpp"
#include "realtime_support.hpp"

#include <boost/beast/websocket.hpp>

namespace parlor::itest {
namespace {

// Adds `count` completed files uploaded by `uploader`, each with a name of `name_length`
// bytes, straight into the server's database in one transaction (hundreds of uploads
// through the API would take seconds, and the prepare rate limit would refuse them).
void add_files(const parlor_process& server, const admission& uploader, int count,
               std::size_t name_length) {
    soci::session sql(*soci::factory_sqlite3(),
                      "db=" + (server.data_dir() / "parlor.db").string() + " timeout=10");
    soci::transaction tx(sql);
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    for (int i = 0; i < count; ++i) {
        auto number = std::to_string(i);
        std::string id = uuid_v4(), key = "objects/" + id;
        std::string filename = std::string(name_length - number.size() - 4, 'n') + number + ".txt";
        std::string mime = "text/plain", sha = std::string(64, 'a');
        long long size = 1000 + i, at = now + i;
        sql << "INSERT INTO files (id, room_id, uploader_id, filename, mime_type, size_bytes, "
               "sha256, storage_key, created_at, upload_expires_at, completed_at) VALUES (:id, "
               ":room, :uploader, :filename, :mime, :size, :sha, :key, :created, :expires, "
               ":completed)",
            soci::use(id), soci::use(uploader.room_id), soci::use(uploader.member_id),
            soci::use(filename), soci::use(mime), soci::use(size), soci::use(sha), soci::use(key),
            soci::use(at), soci::use(at), soci::use(at);
    }
    tx.commit();
}

// A small queue cap (64 KiB) stands for the default 4 MiB: a few hundred files with long
// names make a room:state larger than it, as ~3,300 did against the default.
class RealtimeBigRoomTest : public realtime_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--ws-max-queued-bytes", "65536"}};
    }
};

TEST_F(RealtimeBigRoomTest, ARoomStateLargerThanTheQueueCapIsDelivered) {
    auto ada = api().create_room("Ada");
    add_files(server(), ada, 300, 200);
    auto grace = api().join_room(ada.code, "Grace");

    nlohmann::json state;
    auto ada_ws = join(ada, &state);  // throws if the socket was dropped instead

    ASSERT_EQ(state["files"].size(), 300u);
    EXPECT_EQ(state["files"][299]["filename"].get<std::string>().size(), 200u);
    EXPECT_GT(state.dump().size(), 65536u);
    // The socket goes on as any other: the events after the snapshot reach it, and a
    // second member gets the same snapshot.
    nlohmann::json grace_state;
    auto grace_ws = join(grace, &grace_state);
    EXPECT_EQ(grace_state["files"].size(), 300u);
    EXPECT_TRUE(is_event(ada_ws->next(), "member:joined"));
    ada_ws->send("room:join", {{"token", ada.token}}, "again");  // and a fresh one on request
    auto again = ada_ws->next_of_type("room:state");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ((*again)["rid"], "again");
    EXPECT_EQ((*again)["data"]["files"].size(), 300u);
    EXPECT_TRUE(ada_ws->is_open());
}

// The snapshot is spared the cap only while no other one waits: a client that repeats
// room:join without reading is still a reader that fell behind, and is dropped.
TEST_F(RealtimeBigRoomTest, RepeatedJoinsThatAreNotReadStillDropTheSocket) {
    auto ada = api().create_room("Ada");
    add_files(server(), ada, 300, 200);
    // A client that writes and never reads (ws_client reads whenever the test waits), with
    // a small receive buffer so that the server's writes stall at once.
    asio::io_context io;
    beast::websocket::stream<tcp::socket> silent(io);
    silent.next_layer().open(tcp::v4());
    silent.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
    silent.next_layer().connect({asio::ip::address_v4::loopback(), port()});
    silent.handshake("127.0.0.1", "/ws");
    auto join_frame =
        nlohmann::json{{"type", "room:join"}, {"data", {{"token", ada.token}}}}.dump();

    beast::error_code failure;
    for (int sent = 0; sent < 500 && !failure; ++sent) {
        silent.write(asio::buffer(join_frame), failure);
    }

    EXPECT_TRUE(server().wait_for_log("dropping a socket", 30s).has_value())  // TSan is slow
        << "the server kept queueing unread room:join answers";
    EXPECT_TRUE(still_serving());
    nlohmann::json state;
    join(ada, &state);
    EXPECT_EQ(state["files"].size(), 300u);
}

// 500 files is the default --room-max-files: the largest room a member can make. Its
// snapshot and file list are read with one query each (no query per file).
TEST_F(RealtimeBigRoomTest, TheLargestRoomStaysQuickOverRest) {
    auto ada = api().create_room("Ada");
    add_files(server(), ada, 500, 255);
    for (int i = 0; i < 20; ++i) api().join_room(ada.code, "Guest " + std::to_string(i));

    for (int round = 0; round < 3; ++round) {
        auto started = std::chrono::steady_clock::now();
        auto state = api().state(ada.code, bearer(ada.token));
        auto state_took = std::chrono::steady_clock::now() - started;
        started = std::chrono::steady_clock::now();
        auto files = api().call("GET", "/api/rooms/" + ada.code + "/files", {}, bearer(ada.token));
        auto files_took = std::chrono::steady_clock::now() - started;

        ASSERT_EQ(state.status, 200);
        ASSERT_EQ(files.status, 200);
        EXPECT_EQ(state.json()["files"].size(), 500u);
        EXPECT_EQ(state.json()["members"].size(), 21u);
        EXPECT_EQ(files.json()["files"].size(), 500u);
        // Measured about 10 ms each here; a generous bound for a loaded machine.
        EXPECT_LT(state_took, 1s);
        EXPECT_LT(files_took, 1s);
    }
}

}  // namespace
}  // namespace parlor::itest
