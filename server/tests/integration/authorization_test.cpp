// Who may do what (the shared protocol's "Identity", docs/protocol.md's "Rooms and identity"):
// every REST route and every WebSocket event that acts for someone, tried with every kind
// of credential that must not work, and the exact answer each gets. One table per side,
// one row per (route or event, credential); a failure names its row.
//
// The forged tokens are made here, with the server's own secret (its data directory's
// token-secret file) where a signature is needed, so that each is refused for its one flaw:
// expired (exp in the past, correctly signed), `alg: none` (valid claims, no signature).

#include <ctime>
#include <fstream>
#include <sstream>

#include "common/crypto.hpp"
#include "files_support.hpp"
#include "tokens.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

// ---- links made by the test (HMAC from common/crypto; tokens from tokens.hpp) ----

// The query of a /blobs/ link as name -> value (values as they are written, still encoded).
std::map<std::string, std::string> query_of(const std::string& target) {
    std::map<std::string, std::string> params;
    auto query = target.substr(std::min(target.size(), target.find('?') + 1));
    std::istringstream in(query);
    std::string pair;
    while (std::getline(in, pair, '&')) {
        auto eq = pair.find('=');
        params[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
    }
    return params;
}

// ---- the table's vocabulary ----

enum class credential {
    none,         // no token (REST), no room:join (WebSocket), a link without its signature
    expired,      // a token or link past its expiry, correctly signed
    alg_none,     // a token with `alg: none` and no signature; a link with a forged signature
    other_room,   // a valid token of another room; another object's link signature
    left_member,  // the token (or an open socket, or a link) of a member who has left
    removed_link  // /blobs/ only: the upload link of an upload already completed
};

const char* describe(credential c) {
    switch (c) {
        case credential::none:
            return "no credential";
        case credential::expired:
            return "expired";
        case credential::alg_none:
            return "alg none / forged signature";
        case credential::other_room:
            return "another room's";
        case credential::left_member:
            return "a left member's";
        case credential::removed_link:
            return "a used upload link";
    }
    return "?";
}

// What a row expects: an HTTP status, and the error code when it is an error (empty for a
// success). `says` is a piece of the message, when the reason matters.
struct http_answer {
    int status;
    std::string code;
    std::string says = {};
};

struct rest_row {
    std::string method;
    std::string route;  // as docs name it, for the failure message
    credential who;
    http_answer expected;
    std::string note = {};  // why the answer is what it is, where that is not obvious
};

// What a WebSocket row expects back on the socket that sent the event: an error with this
// code (echoing the frame's rid), a reply of this type, the socket closed with this code, or
// nothing at all (a valid call:report has no reply).
struct ws_answer {
    enum kind_t { error, reply, closed, nothing } kind;
    std::string what = {};  // the error code or the reply's type
    int close_code = 0;
};

struct ws_row {
    std::string event;
    credential who;
    ws_answer expected;
    std::string note = {};
};

// One room for one WebSocket row: Otto created it and started its call, which Ada and Grace
// joined (no call for call:start rows). Otto holds the credentials under test, so that a
// token accepted by mistake could do everything (end the call, say).
struct ws_world {
    admission otto, ada, grace;
    std::unique_ptr<ws_client> otto_ws, ada_ws, grace_ws;
    std::string call_id;  // empty without a call
};

class AuthorizationTest : public files_test {
  protected:
    // Room A: Ada (its creator), Grace, and Linus, who left. Room B: Mallory.
    void SetUp() override {
        files_test::SetUp();
        ada = api().create_room("Ada");
        grace = api().join_room(ada.code, "Grace");
        linus = api().join_room(ada.code, "Linus");
        mallory = api().create_room("Mallory");

        secret = read_secret();
        // A shared file, a prepared upload, and links handed out before Linus left.
        file_bytes = "the minutes of the meeting";
        file_id = share(ada, "minutes.txt", "text/plain", file_bytes)["id"].get<std::string>();
        pending = prepare_upload(ada, "pending.bin", "", "pending bytes");
        linus_upload = prepare_upload(linus, "linus.bin", "", "linus bytes");
        linus_download = download_target(linus, file_id);
        ASSERT_EQ(api().leave(ada.code, bearer(linus.token)).status, 204);
    }

    std::string read_secret() {
        auto text = token_secret_of(server().data_dir());
        if (text.size() < 32) throw std::runtime_error("no token secret in the data directory");
        return text;
    }

    // Tokens for Ada (room A's creator: the most any token can do there).
    std::string valid_minted_token() {
        return make_jwt({{"alg", "HS256"}, {"typ", "JWT"}},
                        claims_of(ada, unix_now() - 60, unix_now() + 3600), secret);
    }
    std::string expired_token() {
        return make_jwt({{"alg", "HS256"}, {"typ", "JWT"}},
                        claims_of(ada, unix_now() - 7200, unix_now() - 3600), secret);
    }
    std::string alg_none_token() {
        return make_jwt({{"alg", "none"}, {"typ", "JWT"}},
                        claims_of(ada, unix_now() - 60, unix_now() + 3600), "", nullptr);
    }

    // The bearer header for a credential (no header for `none`).
    header_list bearer_for(credential c) {
        switch (c) {
            case credential::none:
                return {};
            case credential::expired:
                return bearer(expired_token());
            case credential::alg_none:
                return bearer(alg_none_token());
            case credential::other_room:
                return bearer(mallory.token);
            case credential::left_member:
                return bearer(linus.token);
            case credential::removed_link:
                break;
        }
        throw std::logic_error("no bearer for this credential");
    }

    // A /blobs/ link signed by the test with the server's link key (derived from the token
    // secret as the server derives it), for links the server would not hand out.
    std::string signed_link(const std::string& method, const std::string& key,
                            std::map<std::string, std::string> params) {
        auto link_key = hmac_sha256(secret, "parlor file links v1");
        std::string to_sign = method + "\n" + key + "\n";
        std::string path = "/blobs/" + key + "?";
        for (const auto& [name, value] : params) {
            to_sign += name + "=" + value + "\n";  // the values are already percent-encoded
            path += name + "=" + value + "&";
        }
        return path + "sig=" + to_hex(hmac_sha256(link_key, to_sign));
    }
    // The same link with its expiry an hour ago, correctly signed.
    std::string expired_link(const std::string& method, const std::string& target) {
        auto params = query_of(target);
        params.erase("sig");
        params["expires"] = std::to_string(unix_now() - 3600);
        return signed_link(method, key_of(target), params);
    }

    ws_world make_world(bool with_call) {
        ws_world w;
        w.otto = api().create_room("Otto");
        w.ada = api().join_room(w.otto.code, "Ada");
        w.grace = api().join_room(w.otto.code, "Grace");
        w.otto_ws = join(w.otto);
        w.ada_ws = join(w.ada);
        w.grace_ws = join(w.grace);
        if (with_call) {
            w.call_id = start_call(*w.otto_ws);
            for (auto* socket : {w.ada_ws.get(), w.grace_ws.get()}) {
                socket->send("call:join", {{"callId", w.call_id}});
                if (!socket->next_of_type("call:participant-joined"))
                    throw std::runtime_error("call:join failed while setting up a row");
            }
        }
        return w;
    }

    // What room W looks like to Ada: its call, its members and their hands (not who is
    // online), its lock and its chat.
    json outline(const ws_world& w) {
        auto state = api().room_state(w.ada);
        json members = json::array();
        for (const auto& m : state["members"]) members.push_back({m["id"], m["handRaisedAt"]});
        json call =
            state["call"].is_object()
                ? json{{"id", state["call"]["id"]}, {"participants", state["call"]["participants"]}}
                : json();
        return {{"call", call},
                {"members", members},
                {"locked", state["room"]["locked"]},
                {"messages", state["messages"]}};
    }

    // With a call: Grace signals Ada, and Ada reads up to that signal. `expect_nothing_first`:
    // it must be the first frame Ada gets (nothing reached her from the row meanwhile).
    ::testing::AssertionResult sentinel(ws_world& w, const std::string& mark,
                                        bool expect_nothing_first) {
        if (w.call_id.empty()) return ::testing::AssertionSuccess();
        w.grace_ws->send("signal:offer",
                         {{"to", w.ada.member_id}, {"callId", w.call_id}, {"sdp", mark}});
        for (;;) {
            auto frame = w.ada_ws->next();
            if (!frame)
                return ::testing::AssertionFailure() << "Ada never got the sentinel " << mark;
            if ((*frame)["type"] == "signal:offer" && (*frame)["data"]["sdp"] == mark)
                return ::testing::AssertionSuccess();
            if (expect_nothing_first)
                return ::testing::AssertionFailure()
                       << "the row reached room W: Ada got " << shown(*frame);
        }
    }

    admission ada, grace, linus, mallory;
    std::string secret;
    std::string file_bytes, file_id;
    upload_slot pending, linus_upload;
    std::string linus_download;
};

::testing::AssertionResult answers(const http_reply& r, const http_answer& expected,
                                   bool head = false) {
    if (expected.code.empty() || head) {
        if (r.status == expected.status) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure()
               << "status " << r.status << " instead of " << expected.status << "; " << r.body;
    }
    auto error = is_error(r, expected.status, expected.code);
    if (!error || expected.says.empty()) return error;
    if (r.body.find(expected.says) == std::string::npos)
        return ::testing::AssertionFailure()
               << "the message does not say '" << expected.says << "': " << r.body;
    return ::testing::AssertionSuccess();
}

TEST_F(AuthorizationTest, EveryRouteAndEventRefusesEveryCredentialThatIsNotItsOwn) {
    // The minted tokens are made right: a fresh one signed like the expired one works.
    ASSERT_EQ(api().state(ada.code, bearer(valid_minted_token())).status, 200)
        << "the test's HS256 tokens are not the server's: every expired row would prove nothing";

    using c = credential;
    const http_answer unauthorized{401, "unauthorized"}, forbidden{403, "forbidden"};
    const http_answer expired_token_answer{401, "unauthorized", "expired"};
    const http_answer left_answer{401, "unauthorized", "left"};

    // ---- REST ----
    // Rows for the routes that act for a member of room A, by the path's room code.
    std::vector<rest_row> rest = {
        // No identity needed: a credential, good or bad, changes nothing.
        {"GET", "/api/health", c::none, {200, ""}},
        {"GET", "/api/health", c::expired, {200, ""}},
        {"GET", "/api/health", c::alg_none, {200, ""}},
        {"POST", "/api/rooms", c::none, {201, ""}},
        {"POST", "/api/rooms", c::expired, {201, ""}, "a bearer is not read"},
        {"POST", "/api/rooms", c::alg_none, {201, ""}, "a bearer is not read"},
        // Join: without a token it admits a new member; with one it is a rejoin.
        {"POST", "/api/rooms/:code/join", c::none, {200, ""}, "a new member"},
        {"POST", "/api/rooms/:code/join", c::expired, expired_token_answer},
        {"POST", "/api/rooms/:code/join", c::alg_none, unauthorized},
        {"POST", "/api/rooms/:code/join", c::other_room, forbidden},
        {"POST", "/api/rooms/:code/join", c::left_member, left_answer},
    };
    for (const char* route : {"GET /api/rooms/:code/state", "GET /api/rooms/:code/ice-servers",
                              "POST /api/rooms/:code/leave", "POST /api/rooms/:code/files/prepare",
                              "POST /api/rooms/:code/files/complete", "GET /api/rooms/:code/files",
                              "GET /api/rooms/:code/messages"}) {
        std::string text(route);
        auto method = text.substr(0, text.find(' '));
        auto path = text.substr(text.find(' ') + 1);
        rest.push_back({method, path, c::none, unauthorized});
        rest.push_back({method, path, c::expired, expired_token_answer});
        rest.push_back({method, path, c::alg_none, unauthorized});
        rest.push_back({method, path, c::other_room, forbidden});
        rest.push_back({method, path, c::left_member, left_answer});
    }
    // Error reports name no room: any member's token will do, and only a member's.
    rest.push_back({"POST", "/api/client-errors", c::none, unauthorized});
    rest.push_back({"POST", "/api/client-errors", c::expired, expired_token_answer});
    rest.push_back({"POST", "/api/client-errors", c::alg_none, unauthorized});
    rest.push_back({"POST", "/api/client-errors", c::other_room, {204, ""}, "her own room's"});
    rest.push_back({"POST", "/api/client-errors", c::left_member, left_answer});
    // The download link: the token's room must hold the file; another room's token is told
    // the file does not exist (it must not learn that it does elsewhere).
    for (const char* method : {"GET", "HEAD"}) {
        rest.push_back({method, "/api/files/:fileId/download", c::none, unauthorized});
        rest.push_back({method, "/api/files/:fileId/download", c::expired, expired_token_answer});
        rest.push_back({method, "/api/files/:fileId/download", c::alg_none, unauthorized});
        rest.push_back(
            {method, "/api/files/:fileId/download", c::other_room, {404, "file_not_found"}});
        rest.push_back({method, "/api/files/:fileId/download", c::left_member, left_answer});
    }

    for (const auto& row : rest) {
        std::string name = row.method + " " + row.route + " × " + describe(row.who) + " token";
        SCOPED_TRACE(name);
        std::string target = row.route, body;
        auto replace = [&](const std::string& what, const std::string& with) {
            if (auto at = target.find(what); at != std::string::npos)
                target.replace(at, what.size(), with);
        };
        replace(":code", ada.code);
        replace(":fileId", file_id);
        if (row.route == "/api/rooms" || row.route.ends_with("/join")) {
            body = name_body("Someone");
        } else if (row.route.ends_with("/prepare")) {
            body = prepare_body("new.txt", "text/plain", "new").dump();
        } else if (row.route.ends_with("/complete")) {
            body = json{{"fileId", pending.file_id}}.dump();
        } else if (row.route == "/api/client-errors") {
            body = json{{"message", "boom"}, {"page", "/"}, {"version", "1"}}.dump();
        }
        auto reply = api().call(row.method, target, body, bearer_for(row.who));
        EXPECT_TRUE(answers(reply, row.expected, row.method == "HEAD"))
            << "row: " << name << (row.note.empty() ? "" : " (" + row.note + ")");
    }

    // ---- the /blobs/ links ----
    // A link is its own credential: its signature names the method, the object and the
    // expiry. "Another room's" is another object's signature on this object's key.
    auto upload_link = prepare_upload(grace, "fresh.bin", "", "fresh bytes").target;
    auto upload_key = key_of(upload_link);
    auto mallory_upload = prepare_upload(mallory, "m.bin", "", "fresh bytes").target;  // same size
    auto download_link = download_target(grace, file_id);
    auto download_key = key_of(download_link);
    auto mallory_file = share(mallory, "m.txt", "text/plain", "mallory's minutes");
    auto mallory_download = download_target(mallory, mallory_file["id"].get<std::string>());
    auto swap_key = [](const std::string& link, const std::string& key) {
        return "/blobs/" + key + link.substr(link.find('?'));
    };
    auto forged = [](std::string link) {  // the signature's last digit changed
        auto& last = link.back();
        last = last == '0' ? '1' : '0';
        return link;
    };
    auto used_upload = prepare_upload(ada, "done.bin", "", "done");
    ASSERT_EQ(put(used_upload.target, "done").status, 204);
    ASSERT_EQ(complete(ada, used_upload.file_id).status, 201);

    struct blob_row {
        std::string method;
        std::string link;
        credential who;
        http_answer expected;
        std::string note = {};
    };
    const http_answer invalid_link{403, "forbidden", "not valid"};
    const http_answer expired_link_answer{403, "forbidden", "expired"};
    std::vector<blob_row> blobs = {
        {"PUT", "/blobs/" + upload_key, c::none, invalid_link},
        {"PUT", expired_link("PUT", upload_link), c::expired, expired_link_answer},
        {"PUT", forged(upload_link), c::alg_none, invalid_link},
        {"PUT", swap_key(mallory_upload, upload_key), c::other_room, invalid_link},
        // Linus prepared it before he left: like a download link, an upload link is a
        // capability until it expires. The bytes can never become a file (only the uploader
        // may complete, and he left); the sweep removes them with the link's expiry, as it
        // would had he sent them before leaving.
        {"PUT", linus_upload.target, c::left_member, {204, ""}, "kept until the link expires"},
        {"PUT", used_upload.target, c::removed_link, {403, "forbidden", "no longer valid"}},
    };
    for (const char* method : {"GET", "HEAD"}) {
        blobs.push_back({method, "/blobs/" + download_key, c::none, invalid_link});
        blobs.push_back(
            {method, expired_link("GET", download_link), c::expired, expired_link_answer});
        blobs.push_back({method, forged(download_link), c::alg_none, invalid_link});
        blobs.push_back(
            {method, swap_key(mallory_download, download_key), c::other_room, invalid_link});
        // A download link is a capability until it expires (--download-link-ttl): Linus got it
        // while he was a member, and could have fetched the bytes then.
        blobs.push_back({method,
                         linus_download,
                         c::left_member,
                         {200, ""},
                         "signed links cannot be revoked; they expire"});
        blobs.push_back({method, used_upload.target, c::removed_link, invalid_link,
                         "an upload link does not download"});
    }
    for (const auto& row : blobs) {
        std::string name = row.method + " /blobs/<key> × " + describe(row.who) + " link";
        SCOPED_TRACE(name);
        // A PUT sends as many bytes as its link names, so that only the credential is wrong.
        auto size = query_of(row.link).contains("size") ? std::stoul(query_of(row.link)["size"])
                                                        : std::size_t{11};
        auto reply = row.method == "PUT" ? put(row.link, std::string(size, 'x'))
                                         : fetch(row.link, row.method);
        EXPECT_TRUE(answers(reply, row.expected, row.method == "HEAD"))
            << "row: " << name << (row.note.empty() ? "" : " (" + row.note + ")");
    }
    // None of it touched what is stored.
    EXPECT_EQ(fetch(download_target(grace, file_id)).body, file_bytes);

    // ---- WebSocket ----
    // Each row in a room of its own (see ws_world); the socket under test sends the event
    // with rid "row" after presenting the credential: none (no room:join), an expired or
    // `alg: none` token of Otto's (its room:join refused), Mallory's token of her own room
    // (accepted: she acts in her room, never in Otto's), or Otto's own socket right after he
    // left by REST (the server closes it; nothing it sent may act). Room W must come out
    // unchanged, and Ada must hear nothing from the row.
    const ws_answer ws_unauthorized{ws_answer::error, "unauthorized"};
    const ws_answer closed_by_leave{ws_answer::closed, "", 1000};
    std::vector<ws_row> ws_rows = {
        {"room:join", c::none, ws_unauthorized, "no token field"},
        {"room:join", c::expired, ws_unauthorized},
        {"room:join", c::alg_none, ws_unauthorized},
        {"room:join", c::other_room, {ws_answer::reply, "room:state"}, "her own room's state"},
        {"room:join", c::left_member, ws_unauthorized, "a fresh socket, Otto's token"},
    };
    for (const char* event :
         {"room:leave", "call:start", "call:join", "call:leave", "call:end", "signal:offer",
          "signal:answer", "signal:ice", "call:report", "chat:send", "room:lock", "member:remove",
          "hand:raise", "hand:lower"}) {
        std::string type(event);
        ws_rows.push_back({type, c::none, ws_unauthorized});
        ws_rows.push_back({type, c::expired, ws_unauthorized});
        ws_rows.push_back({type, c::alg_none, ws_unauthorized});
        ws_answer in_own_room =
            type == "room:leave"   ? ws_answer{ws_answer::closed, "", 1000}  // she left her room
            : type == "call:start" ? ws_answer{ws_answer::reply, "call:started"}  // in her room
            : type.starts_with("signal:") ? ws_answer{ws_answer::error, "not_in_call"}
            : type == "call:report"       ? ws_answer{ws_answer::nothing}  // ids are not checked
            : type == "chat:send"         ? ws_answer{ws_answer::reply, "chat:message"}  // hers
            : type == "room:lock"         ? ws_answer{ws_answer::reply, "room:updated"}  // hers
            : type == "hand:raise"        ? ws_answer{ws_answer::reply, "member:updated"}
            // Room W's member is no member of hers, whatever she may do in her own room.
            : type == "member:remove" || type == "hand:lower"
                ? ws_answer{ws_answer::error, "bad_request"}
                : ws_answer{ws_answer::error, "no_active_call"};
        ws_rows.push_back({type, c::other_room, in_own_room, "names room W's call and members"});
        ws_rows.push_back({type, c::left_member, closed_by_leave, "Otto's socket, after he left"});
    }

    for (const auto& row : ws_rows) {
        std::string name = row.event + " × " + describe(row.who) + " token";
        SCOPED_TRACE(name);
        auto w = make_world(row.event != "call:start");
        std::unique_ptr<ws_client> socket;
        auto token_of_otto = [&](credential cred) {
            auto claims = claims_of(w.otto, unix_now() - 7200, unix_now() - 3600);
            if (cred == c::expired)
                return make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, secret);
            claims["iat"] = unix_now() - 60;
            claims["exp"] = unix_now() + 3600;
            return make_jwt({{"alg", "none"}, {"typ", "JWT"}}, claims, "", nullptr);
        };
        std::string token;
        switch (row.who) {
            case c::none:
                socket = connect();
                break;
            case c::expired:
            case c::alg_none:
                token = token_of_otto(row.who);
                socket = connect();
                if (row.event != "room:join") {
                    socket->send("room:join", {{"token", token}});
                    ASSERT_TRUE(is_ws_error(socket->next(), "unauthorized")) << "row: " << name;
                }
                break;
            case c::other_room: {
                auto other = api().create_room("Mallory");
                token = other.token;
                socket = row.event == "room:join" ? connect() : join(other);
                break;
            }
            case c::left_member:
                ASSERT_EQ(api().leave(w.otto.code, bearer(w.otto.token)).status, 204);
                token = w.otto.token;
                if (row.event == "room:join") {
                    socket = connect();
                } else {
                    socket = std::move(w.otto_ws);  // not waiting for the server's close
                }
                break;
            case c::removed_link:
                FAIL() << "not a WebSocket credential";
        }
        ASSERT_TRUE(sentinel(w, "before", false)) << "row: " << name;
        auto before = outline(w);

        json data = json::object();
        if (row.event == "room:join" && !token.empty()) data["token"] = token;
        auto call_id =
            w.call_id.empty() ? std::string("00000000-0000-4000-8000-000000000000") : w.call_id;
        if (row.event.starts_with("signal:") ||
            (row.event.starts_with("call:") && row.event != "call:start")) {
            data["callId"] = call_id;
        }
        if (row.event.starts_with("signal:")) data["to"] = w.ada.member_id;
        if (row.event == "signal:offer" || row.event == "signal:answer") data["sdp"] = "v=0";
        if (row.event == "signal:ice") data["candidate"] = {{"candidate", "candidate:1"}};
        if (row.event == "call:report") {
            data["peerId"] = w.ada.member_id;
            data["path"] = "direct";
        }
        if (row.event == "chat:send") data["text"] = "hello";
        if (row.event == "room:lock") data["locked"] = true;
        if (row.event == "member:remove" || row.event == "hand:lower") {
            data["memberId"] = w.ada.member_id;
        }
        socket->send(row.event, data, "row");

        switch (row.expected.kind) {
            case ws_answer::error:
                EXPECT_TRUE(is_ws_error(socket->next(), row.expected.what, "row"))
                    << "row: " << name << (row.note.empty() ? "" : " (" + row.note + ")");
                break;
            case ws_answer::reply: {
                auto reply = socket->next();
                EXPECT_TRUE(is_event(reply, row.expected.what)) << "row: " << name;
                break;
            }
            case ws_answer::closed: {
                auto closed = socket->wait_closed();
                ASSERT_TRUE(closed.has_value()) << "row: " << name << ": the socket stayed open";
                EXPECT_TRUE(closed->close_frame && closed->code == row.expected.close_code)
                    << "row: " << name << ": " << closed->describe();
                break;
            }
            case ws_answer::nothing:
                socket->send("probe:nothing", {}, "probe");
                EXPECT_TRUE(is_ws_error(socket->next(), "unsupported", "probe"))
                    << "row: " << name << ": something came before the probe's answer";
                break;
        }
        EXPECT_TRUE(sentinel(w, "after", true)) << "row: " << name;
        EXPECT_EQ(outline(w), before) << "row: " << name << ": room W changed";
    }
}

// The table's "removed upload link" row, for a link whose upload is gone otherwise than by
// its `complete`: the room was deleted (retention) while the link was still valid. Nothing
// can ever name bytes stored through it (their row went with the room) and no sweep looks for
// them, so the PUT must store nothing.
//
// Found by this test (issue 11): the PUT was answered 204 and the bytes stayed in
// files/objects/ for good, as for the link of an upload that `complete` removed for the
// quota. A PUT now asks the store whether its upload is still pending.
class RemovedUploadLinkTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--room-retention-seconds", "2"}, {"--sweep-interval", "1"}};
    }
};

TEST_F(RemovedUploadLinkTest, TheUploadLinkOfADeletedRoomStoresNothing) {
    auto ada = api().create_room("Ada");
    auto slot = prepare_upload(ada, "late.bin", "", "late bytes");  // a prepare is no activity
    ASSERT_TRUE(server().wait_for_log("\"event\":\"room_expired\"", 15s).has_value())
        << "the room was never deleted";
    ASSERT_TRUE(is_error(api().state(ada.code, bearer(ada.token)), 404, "room_not_found"));

    auto stored = put(slot.target, "late bytes");
    EXPECT_EQ(stored.status, 403) << "row: PUT /blobs/<key> × the link of a deleted room's upload "
                                  << "(the bytes would be kept with nothing to name them)";
    EXPECT_TRUE(std::filesystem::is_empty(objects_dir()))
        << "bytes nobody can reach or remove are on the disk";
}

}  // namespace
}  // namespace parlor::itest
