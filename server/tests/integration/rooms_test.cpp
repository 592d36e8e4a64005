// The rooms REST calls of protocol.md: create, join (and rejoin), state, leave; their success
// shapes and every error a client can provoke.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support.hpp"
#include "tokens.hpp"

namespace parlor::itest {
namespace {

// ---- reading the server's tokens (tokens.hpp makes them) ----

std::string base64url_decode(std::string_view text) {
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        if (v < 0) throw std::invalid_argument("not base64url");
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    return out;
}

std::vector<std::string> jwt_parts(const std::string& token) {
    std::vector<std::string> parts;
    std::stringstream in(token);
    for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
    if (!token.empty() && token.back() == '.') parts.emplace_back();
    return parts;
}

nlohmann::json jwt_json(const std::string& token, std::size_t part) {
    return nlohmann::json::parse(base64url_decode(jwt_parts(token).at(part)));
}

// ---- the fixture ----

class RoomsTest : public parlor_test {
  protected:
    // The server's own token secret, for tokens that are well signed but wrong otherwise.
    std::string server_secret() { return token_secret_of(server().data_dir()); }

    nlohmann::json claims_for(const admission& who) {
        auto now = unix_now();
        return {{"sub", who.member_id}, {"room", who.room_id}, {"iat", now}, {"exp", now + 3600}};
    }

    // A token that must be refused (401) everywhere a token is read.
    void expect_refused_everywhere(const admission& room, const std::string& token) {
        auto with_token = bearer(token);
        EXPECT_TRUE(is_error(api().state(room.code, with_token), 401, "unauthorized"));
        EXPECT_TRUE(
            is_error(api().join(room.code, name_body("Mallory"), with_token), 401, "unauthorized"));
        EXPECT_TRUE(is_error(api().leave(room.code, with_token), 401, "unauthorized"));
    }

    std::size_t member_count(const admission& who) {
        return api().room_state(who)["members"].size();
    }
};

// ---- POST /api/rooms ----

TEST_F(RoomsTest, CreateAnswers201WithRoomMemberAndToken) {
    auto r = api().create(name_body("Ada"));

    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto body = r.json();
    ASSERT_TRUE(body.is_object());
    EXPECT_TRUE(is_uuid(body["room"]["id"])) << body["room"];
    EXPECT_TRUE(is_room_code(body["room"]["code"])) << body["room"];
    auto created_ago = seconds_from_now(body["room"]["createdAt"]);
    ASSERT_TRUE(created_ago.has_value()) << body["room"]["createdAt"];
    EXPECT_LT(std::abs(*created_ago), 60.0);
    EXPECT_TRUE(is_uuid(body["member"]["id"])) << body["member"];
    EXPECT_EQ(body["member"]["displayName"], "Ada");
    EXPECT_EQ(body["iceServers"], nlohmann::json::array());

    ASSERT_TRUE(body["token"].is_string());
    auto token = body["token"].get<std::string>();
    ASSERT_EQ(jwt_parts(token).size(), 3u) << token;
    auto header = jwt_json(token, 0), claims = jwt_json(token, 1);
    EXPECT_EQ(header["alg"], "HS256");
    EXPECT_EQ(claims["sub"], body["member"]["id"]);
    EXPECT_EQ(claims["room"], body["room"]["id"]);
    ASSERT_TRUE(claims["exp"].is_number_integer()) << claims;

    auto expires_in = seconds_from_now(body["expiresAt"]);
    ASSERT_TRUE(expires_in.has_value()) << body["expiresAt"];
    EXPECT_NEAR(*expires_in, 12 * 3600.0, 120.0);
    auto expires_at = parse_utc_time(body["expiresAt"]);
    EXPECT_EQ(std::chrono::system_clock::to_time_t(*expires_at), claims["exp"].get<std::time_t>());
}

TEST_F(RoomsTest, CreateTrimsTheDisplayName) {
    auto ada = admission_from(api().create(name_body(" \t Ada Lovelace  ")), 201);

    EXPECT_EQ(ada.display_name, "Ada Lovelace");
    EXPECT_EQ(api().room_state(ada)["members"][0]["displayName"], "Ada Lovelace");
}

TEST_F(RoomsTest, EveryRoomGetsItsOwnIdAndCode) {
    std::set<std::string> codes, ids;
    for (int i = 0; i < 20; ++i) {
        auto room = api().create_room();
        codes.insert(room.code);
        ids.insert(room.room_id);
    }
    EXPECT_EQ(codes.size(), 20u);
    EXPECT_EQ(ids.size(), 20u);
}

TEST_F(RoomsTest, IceServersComeFromTheConfiguration) {
    // The default server has no STUN URL configured: the list is empty (checked above);
    // here a server that has two.
    parlor_process configured(std::map<std::string, std::string>{
        {"--stun-url", "stun:stun.example.org:3478,stun:stun2.example.org"}});
    configured.start();
    parlor_client client(configured.port());

    auto ada = client.create_room();

    nlohmann::json expected = nlohmann::json::array(
        {{{"urls", {"stun:stun.example.org:3478", "stun:stun2.example.org"}}}});
    EXPECT_EQ(ada.body["iceServers"], expected);
    EXPECT_EQ(client.join_room(ada.code).body["iceServers"], expected);
    EXPECT_EQ(client.room_state(ada)["iceServers"], expected);
}

// ---- POST /api/rooms/:code/join ----

TEST_F(RoomsTest, JoinAdmitsANewMember) {
    auto ada = api().create_room("Ada");

    auto r = api().join(ada.code, name_body("Grace"));

    ASSERT_EQ(r.status, 200) << r.body;
    auto body = r.json();
    EXPECT_EQ(body["room"]["id"], ada.room_id);
    EXPECT_EQ(body["room"]["code"], ada.code);
    EXPECT_EQ(body["room"]["createdAt"], ada.body["room"]["createdAt"]);
    EXPECT_TRUE(is_uuid(body["member"]["id"]));
    EXPECT_NE(body["member"]["id"], ada.member_id);
    EXPECT_EQ(body["member"]["displayName"], "Grace");
    EXPECT_EQ(body["iceServers"], nlohmann::json::array());
    auto token = body["token"].get<std::string>();
    EXPECT_EQ(jwt_json(token, 1)["sub"], body["member"]["id"]);
    EXPECT_EQ(jwt_json(token, 1)["room"], ada.room_id);
    auto expires_in = seconds_from_now(body["expiresAt"]);
    ASSERT_TRUE(expires_in.has_value());
    EXPECT_NEAR(*expires_in, 12 * 3600.0, 120.0);
}

TEST_F(RoomsTest, TheSameNameJoiningTwiceMakesTwoMembers) {
    auto ada = api().create_room("Ada");
    auto first = api().join_room(ada.code, "Grace");
    auto second = api().join_room(ada.code, "Grace");

    EXPECT_NE(first.member_id, second.member_id);
    EXPECT_EQ(member_count(ada), 3u);
}

TEST_F(RoomsTest, RejoinWithTheTokenReturnsTheSameMember) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto again = admission_from(api().join(ada.code, name_body("Grace"), bearer(grace.token)), 200);
    auto creator_again =
        admission_from(api().join(ada.code, name_body("Ada"), bearer(ada.token)), 200);

    EXPECT_EQ(again.member_id, grace.member_id);
    EXPECT_EQ(again.display_name, "Grace");
    EXPECT_EQ(again.room_id, ada.room_id);
    EXPECT_EQ(creator_again.member_id, ada.member_id);
    EXPECT_EQ(member_count(ada), 2u);
    // The fresh token works as well as the old one.
    EXPECT_EQ(api().room_state(again)["self"], grace.member_id);
    EXPECT_EQ(api().room_state(grace)["self"], grace.member_id);
}

TEST_F(RoomsTest, RejoinWithANewDisplayNameRenamesTheMember) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto renamed =
        admission_from(api().join(ada.code, name_body("Grace Hopper"), bearer(grace.token)), 200);

    EXPECT_EQ(renamed.member_id, grace.member_id);
    EXPECT_EQ(renamed.display_name, "Grace Hopper");
    std::map<std::string, std::string> names;
    auto state = api().room_state(ada);
    for (const auto& m : state["members"])
        names[m["id"].get<std::string>()] = m["displayName"].get<std::string>();
    EXPECT_EQ(names[grace.member_id], "Grace Hopper");
    EXPECT_EQ(names[ada.member_id], "Ada");
    EXPECT_EQ(names.size(), 2u);
}

TEST_F(RoomsTest, RejoinWithTheTokenAloneKeepsTheName) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    // A rejoin has no required field: an empty object, null name or no body at all will do.
    for (const char* body : {"{}", R"({"displayName": null})", "", " \r\n"}) {
        SCOPED_TRACE(std::string("body: ") + body);
        auto again = admission_from(api().join(ada.code, body, bearer(grace.token)), 200);
        EXPECT_EQ(again.member_id, grace.member_id);
        EXPECT_EQ(again.display_name, "Grace");
    }
    EXPECT_EQ(member_count(ada), 2u);
}

// ---- GET /api/rooms/:code/state ----

TEST_F(RoomsTest, StateDescribesTheRoomAndItsMembers) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto r = api().state(ada.code, bearer(grace.token));

    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto state = r.json();
    EXPECT_EQ(state["room"]["id"], ada.room_id);
    EXPECT_EQ(state["room"]["code"], ada.code);
    EXPECT_EQ(state["room"]["createdAt"], ada.body["room"]["createdAt"]);
    EXPECT_EQ(state["room"]["createdBy"], ada.member_id);
    EXPECT_EQ(state["self"], grace.member_id);
    EXPECT_TRUE(state["call"].is_null()) << state["call"];
    EXPECT_EQ(state["files"], nlohmann::json::array());
    EXPECT_EQ(state["iceServers"], nlohmann::json::array());
    EXPECT_EQ(state["room"]["locked"], false);
    EXPECT_EQ(state["messages"], nlohmann::json::array());
    EXPECT_EQ(state["blockedFileTypes"], nlohmann::json::array());

    ASSERT_TRUE(state["members"].is_array());
    ASSERT_EQ(state["members"].size(), 2u) << state["members"];
    std::map<std::string, nlohmann::json> members;
    for (const auto& m : state["members"]) {
        EXPECT_EQ(m.size(), 5u) << m;
        EXPECT_TRUE(m["handRaisedAt"].is_null()) << m;
        ASSERT_TRUE(m["id"].is_string()) << m;
        members[m["id"].get<std::string>()] = m;
        EXPECT_TRUE(parse_utc_time(m["joinedAt"]).has_value()) << m;
        EXPECT_EQ(m["online"], false) << m;  // online means a socket is attached; none is
    }
    EXPECT_EQ(members[ada.member_id]["displayName"], "Ada");
    EXPECT_EQ(members[grace.member_id]["displayName"], "Grace");
    auto ada_joined = parse_utc_time(members[ada.member_id]["joinedAt"]);
    auto grace_joined = parse_utc_time(members[grace.member_id]["joinedAt"]);
    ASSERT_TRUE(ada_joined && grace_joined);
    EXPECT_LE(*ada_joined, *grace_joined);
}

TEST_F(RoomsTest, StateSelfIsTheCaller) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    EXPECT_EQ(api().room_state(ada)["self"], ada.member_id);
    EXPECT_EQ(api().room_state(grace)["self"], grace.member_id);
}

// ---- POST /api/rooms/:code/leave ----

TEST_F(RoomsTest, LeaveAnswers204AndEndsTheMembershipForGood) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    auto r = api().leave(ada.code, bearer(grace.token));

    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(is_error(api().state(ada.code, bearer(grace.token)), 401, "unauthorized"));
    EXPECT_TRUE(is_error(api().join(ada.code, name_body("Grace"), bearer(grace.token)), 401,
                         "unauthorized"));
    EXPECT_TRUE(is_error(api().join(ada.code, "{}", bearer(grace.token)), 401, "unauthorized"));
    EXPECT_TRUE(is_error(api().leave(ada.code, bearer(grace.token)), 401, "unauthorized"));

    auto state = api().room_state(ada);
    ASSERT_EQ(state["members"].size(), 1u) << state["members"];
    EXPECT_EQ(state["members"][0]["id"], ada.member_id);

    // Coming back without the token makes a new member.
    auto back = api().join_room(ada.code, "Grace");
    EXPECT_NE(back.member_id, grace.member_id);
    EXPECT_EQ(member_count(ada), 2u);
}

TEST_F(RoomsTest, TheCreatorCanLeaveAndTheRoomLivesOn) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");

    EXPECT_EQ(api().leave(ada.code, bearer(ada.token)).status, 204);

    auto state = api().room_state(grace);
    EXPECT_EQ(state["room"]["createdBy"], ada.member_id);
    ASSERT_EQ(state["members"].size(), 1u);
    EXPECT_EQ(state["members"][0]["id"], grace.member_id);
    EXPECT_EQ(api().join(ada.code, name_body("Linus")).status, 200);
}

// ---- 400 bad_request ----

TEST_F(RoomsTest, MalformedBodiesAre400BadRequest) {
    auto ada = api().create_room();
    const char* bodies[] = {
        "",
        "Ada",
        "displayName=Ada",
        R"({"displayName": "Ada")",
        R"({"displayName": "Ada",})",
        R"({'displayName': 'Ada'})",
        "[]",
        R"(["Ada"])",
        R"("Ada")",
        "42",
        "null",
        "true",
        "{}",
        R"({"name": "Ada"})",
        R"({"displayName": null})",
        R"({"displayName": 42})",
        R"({"displayName": true})",
        R"({"displayName": ["Ada"]})",
        R"({"displayName": {"first": "Ada"}})",
        R"({"displayName": "Ada"} {"displayName": "Ada"})",
    };
    for (const char* body : bodies) {
        SCOPED_TRACE(std::string("body: ") + body);
        EXPECT_TRUE(is_error(api().create(body), 400, "bad_request"));
        EXPECT_TRUE(is_error(api().join(ada.code, body), 400, "bad_request"));
    }
}

TEST_F(RoomsTest, RejoinWithAMalformedBodyIs400) {
    auto ada = api().create_room();
    for (const char* body : {"[]", "null", R"({"displayName": 42})", "{", "Grace"}) {
        SCOPED_TRACE(std::string("body: ") + body);
        EXPECT_TRUE(is_error(api().join(ada.code, body, bearer(ada.token)), 400, "bad_request"));
    }
}

// ---- 400 invalid_display_name ----

TEST_F(RoomsTest, InvalidDisplayNamesAre400) {
    auto ada = api().create_room();
    std::string euro = "\xe2\x82\xac";  // U+20AC, three bytes
    std::string sixty_five_euros;
    for (int i = 0; i < 65; ++i) sixty_five_euros += euro;
    const std::pair<const char*, std::string> names[] = {
        {"empty", ""},
        {"spaces", "   "},
        {"tabs and newlines", "\t\n\r "},
        {"no-break and ideographic spaces", "\xc2\xa0\xe3\x80\x80"},
        {"65 ASCII characters", std::string(65, 'a')},
        {"65 three-byte characters", sixty_five_euros},
        {"BEL", "Ada\aLovelace"},
        {"NUL", std::string("Ada\0Lovelace", 12)},
        {"newline inside", "Ada\nLovelace"},
        {"ESC", "Ada\x1b[31m"},
        {"DEL", "Ada\x7f"},
        {"C1 control U+0085", "Ada\xc2\x85"},
        {"right-to-left override U+202E", "Ada\xe2\x80\xae"},
    };
    for (const auto& [what, name] : names) {
        SCOPED_TRACE(what);
        auto body = name_body(name);
        EXPECT_TRUE(is_error(api().create(body), 400, "invalid_display_name"));
        EXPECT_TRUE(is_error(api().join(ada.code, body), 400, "invalid_display_name"));
        // A rename on rejoin is held to the same rule and leaves the name as it was.
        EXPECT_TRUE(
            is_error(api().join(ada.code, body, bearer(ada.token)), 400, "invalid_display_name"));
    }
    auto state = api().room_state(ada);
    ASSERT_EQ(state["members"].size(), 1u);
    EXPECT_EQ(state["members"][0]["displayName"], "Ada");
}

TEST_F(RoomsTest, DisplayNamesOfUpTo64CharactersAreAccepted) {
    std::string euros, emoji;
    for (int i = 0; i < 64; ++i) {
        euros += "\xe2\x82\xac";      // U+20AC
        emoji += "\xf0\x9f\x98\x80";  // U+1F600, four bytes
    }
    struct case_t {
        const char* what;
        std::string name;
        std::string shown;
    };
    const case_t cases[] = {
        {"64 ASCII", std::string(64, 'a'), std::string(64, 'a')},
        {"64 three-byte characters", euros, euros},
        {"64 four-byte characters", emoji, emoji},
        {"64 characters between spaces", "  " + std::string(64, 'b') + "  ", std::string(64, 'b')},
        {"one character", "A", "A"},
        {"accents", "Ad\xc3\xa8le \xc3\x89lo\xc3\xafse", "Ad\xc3\xa8le \xc3\x89lo\xc3\xafse"},
    };
    for (const auto& [what, name, shown] : cases) {
        SCOPED_TRACE(what);
        auto created = api().create(name_body(name));
        ASSERT_EQ(created.status, 201) << created.body;
        auto room = admission_from(created, 201);
        EXPECT_EQ(room.display_name, shown);
        EXPECT_EQ(api().room_state(room)["members"][0]["displayName"], shown);
        auto joined = api().join(room.code, name_body(name));
        ASSERT_EQ(joined.status, 200) << joined.body;
        EXPECT_EQ(joined.json()["member"]["displayName"], shown);
    }
}

// "Ada" and "Ada" followed by a zero-width space look the same in every member list: names
// with invisible characters are refused, on create, join and rename, and the message says
// which character it was (issue 11).
TEST_F(RoomsTest, NamesWithInvisibleCharactersAre400) {
    auto ada = api().create_room("Ada");
    const std::pair<const char*, std::string> names[] = {
        {"zero-width space U+200B", "Ada\xe2\x80\x8b"},
        {"zero-width joiner between letters U+200D",
         "Ad\xe2\x80\x8d"
         "a"},
        {"left-to-right mark U+200E",
         "\xe2\x80\x8e"
         "Ada"},
        {"word joiner U+2060",
         "A\xe2\x81\xa0"
         "da"},
        {"invisible separator U+2063", "Ada\xe2\x81\xa3"},
        {"byte-order mark inside U+FEFF",
         "A\xef\xbb\xbf"
         "da"},
        {"soft hyphen U+00AD",
         "A\xc2\xad"
         "da"},
        {"tag letter U+E0041", "Ada\xf3\xa0\x81\x81"},
    };
    for (const auto& [what, name] : names) {
        SCOPED_TRACE(what);
        auto body = name_body(name);
        auto created = api().create(body);
        EXPECT_TRUE(is_error(created, 400, "invalid_display_name"));
        EXPECT_NE(created.body.find("invisible"), std::string::npos) << created.body;
        EXPECT_TRUE(is_error(api().join(ada.code, body), 400, "invalid_display_name"));
        EXPECT_TRUE(
            is_error(api().join(ada.code, body, bearer(ada.token)), 400, "invalid_display_name"));
    }
    auto state = api().room_state(ada);
    ASSERT_EQ(state["members"].size(), 1u);
    EXPECT_EQ(state["members"][0]["displayName"], "Ada");
}

// The joiners and selectors of emoji sequences are part of what people see.
TEST_F(RoomsTest, EmojiSequencesInNamesAreKept) {
    const std::string technologist = "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb";  // 👩‍💻
    const std::string red_heart = "\xe2\x9d\xa4\xef\xb8\x8f";                         // ❤️
    for (const auto& name : {technologist + " Ada", "Sam " + red_heart}) {
        SCOPED_TRACE(name);
        auto created = api().create(name_body(name));
        ASSERT_EQ(created.status, 201) << created.body;
        EXPECT_EQ(created.json()["member"]["displayName"], name);
        auto joined = api().join(created.json()["room"]["code"], name_body(name));
        ASSERT_EQ(joined.status, 200) << joined.body;
        EXPECT_EQ(joined.json()["member"]["displayName"], name);
    }
}

// ---- 404 room_not_found ----

TEST_F(RoomsTest, UnknownRoomCodesAre404) {
    auto ada = api().create_room();
    std::string unknown = ada.code == "zzzz-zzzz-zzzz" ? "yyyy-yyyy-yyyy" : "zzzz-zzzz-zzzz";

    EXPECT_TRUE(is_error(api().join(unknown, name_body("Grace")), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().state(unknown, bearer(ada.token)), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().leave(unknown, bearer(ada.token)), 404, "room_not_found"));
    // Without a token too: the room is looked up first.
    EXPECT_TRUE(is_error(api().state(unknown, {}), 404, "room_not_found"));
    EXPECT_TRUE(is_error(api().leave(unknown, {}), 404, "room_not_found"));
    // The token is still good for its own room.
    EXPECT_EQ(api().state(ada.code, bearer(ada.token)).status, 200);
}

TEST_F(RoomsTest, MalformedRoomCodesAre404) {
    auto ada = api().create_room();
    for (const char* code :
         {"abc", "abcd-efgh-jkm", "abcd-efgh-jkmn-p", "abcd-efgh-jkmnpqrs", "uuuu-uuuu-uuuu",
          "abcd_efgh_jkmn", "%00%00", "..", "abcd-efgh-jkm%C3%A9", "-------------"}) {
        SCOPED_TRACE(code);
        EXPECT_TRUE(is_error(api().join(code, name_body("Grace")), 404, "room_not_found"));
        EXPECT_TRUE(is_error(api().state(code, bearer(ada.token)), 404, "room_not_found"));
        EXPECT_TRUE(is_error(api().leave(code, bearer(ada.token)), 404, "room_not_found"));
    }
    EXPECT_EQ(member_count(ada), 1u);
}

TEST_F(RoomsTest, CodeLookupIgnoresCaseAndDashes) {
    auto ada = api().create_room("Ada");
    std::string typed;
    for (char c : ada.code) {
        if (c != '-')
            typed.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }

    auto grace = admission_from(api().join(typed, name_body("Grace")), 200);

    EXPECT_EQ(grace.room_id, ada.room_id);
    EXPECT_EQ(grace.code, ada.code);  // always shown in the canonical form
    auto state = api().state(typed, bearer(grace.token));
    ASSERT_EQ(state.status, 200) << state.body;
    EXPECT_EQ(state.json()["room"]["code"], ada.code);
    EXPECT_EQ(api().join(typed, "{}", bearer(grace.token)).json()["member"]["id"], grace.member_id);
    EXPECT_EQ(api().leave(typed, bearer(grace.token)).status, 204);
}

// ---- 401 unauthorized ----

TEST_F(RoomsTest, StateAndLeaveWithoutATokenAre401) {
    auto ada = api().create_room();

    EXPECT_TRUE(is_error(api().state(ada.code, {}), 401, "unauthorized"));
    EXPECT_TRUE(is_error(api().leave(ada.code, {}), 401, "unauthorized"));
    EXPECT_EQ(member_count(ada), 1u);
}

TEST_F(RoomsTest, MalformedAuthorizationHeadersAre401) {
    auto ada = api().create_room();
    for (const std::string& value :
         {std::string("Bearer"), std::string("Bearer "), std::string("Basic YWRhOmxvdmVsYWNl"),
          std::string("Token ") + ada.token, ada.token, std::string("Bearer not-a-token"),
          std::string("Bearer a.b.c"), std::string("Bearer ") + std::string(5000, 'x')}) {
        SCOPED_TRACE(value.substr(0, 40));
        header_list headers{{"Authorization", value}};
        EXPECT_TRUE(is_error(api().state(ada.code, headers), 401, "unauthorized"));
        EXPECT_TRUE(is_error(api().leave(ada.code, headers), 401, "unauthorized"));
        EXPECT_TRUE(
            is_error(api().join(ada.code, name_body("Mallory"), headers), 401, "unauthorized"));
    }
    EXPECT_EQ(member_count(ada), 1u);
}

TEST_F(RoomsTest, ATokenWithATamperedSignatureIs401) {
    auto ada = api().create_room();
    auto parts = jwt_parts(ada.token);
    auto& signature = parts[2];
    signature[signature.size() / 2] = signature[signature.size() / 2] == 'A' ? 'B' : 'A';

    expect_refused_everywhere(ada, parts[0] + "." + parts[1] + "." + signature);
    expect_refused_everywhere(ada, parts[0] + "." + parts[1] + ".");
}

TEST_F(RoomsTest, ATokenWithTamperedClaimsIs401) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    // Grace's signature on claims that say she is Ada.
    auto claims = jwt_json(grace.token, 1);
    claims["sub"] = ada.member_id;
    auto parts = jwt_parts(grace.token);

    expect_refused_everywhere(ada, parts[0] + "." + base64url(claims.dump()) + "." + parts[2]);
}

TEST_F(RoomsTest, AnUnsignedAlgNoneTokenIs401) {
    auto ada = api().create_room();
    auto claims = claims_for(ada);
    for (const char* alg : {"none", "None", "NONE"}) {
        SCOPED_TRACE(alg);
        auto header = base64url(nlohmann::json{{"alg", alg}, {"typ", "JWT"}}.dump());
        auto payload = base64url(claims.dump());
        expect_refused_everywhere(ada, header + "." + payload + ".");
        // and with the genuine signature of the same claims pasted on
        expect_refused_everywhere(ada, header + "." + payload + "." + jwt_parts(ada.token)[2]);
    }
}

TEST_F(RoomsTest, ATokenSignedWithAnotherSecretIs401) {
    auto ada = api().create_room();

    expect_refused_everywhere(ada, make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims_for(ada),
                                            "an-attacker-chosen-secret-of-at-least-32-bytes"));
}

TEST_F(RoomsTest, ATokenWithAnotherAlgorithmIs401EvenWithTheServerSecret) {
    auto ada = api().create_room();
    auto secret = server_secret();
    ASSERT_GE(secret.size(), 32u);

    expect_refused_everywhere(
        ada, make_jwt({{"alg", "HS512"}, {"typ", "JWT"}}, claims_for(ada), secret, EVP_sha512()));
    expect_refused_everywhere(
        ada, make_jwt({{"alg", "HS384"}, {"typ", "JWT"}}, claims_for(ada), secret, EVP_sha384()));
    // Sanity check of the forging kit: the same claims as HS256 are accepted.
    auto genuine = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims_for(ada), secret);
    EXPECT_EQ(api().state(ada.code, bearer(genuine)).status, 200);
}

TEST_F(RoomsTest, AnExpiredTokenIs401) {
    auto ada = api().create_room();
    auto claims = claims_for(ada);
    claims["iat"] = unix_now() - 7200;
    claims["exp"] = unix_now() - 5;

    expect_refused_everywhere(
        ada, make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, server_secret()));
}

TEST_F(RoomsTest, ATokenIssuedInTheFutureIs401) {
    auto ada = api().create_room();
    auto claims = claims_for(ada);
    claims["iat"] = unix_now() + 600;  // well past the 60 s leeway
    claims["exp"] = unix_now() + 7200;

    expect_refused_everywhere(
        ada, make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, server_secret()));
}

TEST_F(RoomsTest, ATokenForAnUnknownMemberIs401) {
    auto ada = api().create_room();
    auto claims = claims_for(ada);
    claims["sub"] = "00000000-0000-4000-8000-000000000000";

    expect_refused_everywhere(
        ada, make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, server_secret()));
}

TEST_F(RoomsTest, ATokenWithoutItsClaimsIs401) {
    auto ada = api().create_room();
    auto secret = server_secret();
    for (const char* missing : {"sub", "room", "exp", "iat"}) {
        SCOPED_TRACE(missing);
        auto claims = claims_for(ada);
        claims.erase(missing);
        expect_refused_everywhere(ada,
                                  make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims, secret));
    }
}

TEST_F(RoomsTest, ATokenOfAMemberWhoLeftIs401) {
    auto ada = api().create_room("Ada");
    auto grace = api().join_room(ada.code, "Grace");
    ASSERT_EQ(api().leave(ada.code, bearer(grace.token)).status, 204);

    expect_refused_everywhere(ada, grace.token);
}

// ---- 403 forbidden ----

TEST_F(RoomsTest, ATokenOfAnotherRoomIs403) {
    auto x = api().create_room("Ada");
    auto y = api().create_room("Grace");

    EXPECT_TRUE(is_error(api().state(y.code, bearer(x.token)), 403, "forbidden"));
    EXPECT_TRUE(is_error(api().leave(y.code, bearer(x.token)), 403, "forbidden"));
    EXPECT_TRUE(is_error(api().join(y.code, name_body("Ada"), bearer(x.token)), 403, "forbidden"));
    EXPECT_TRUE(is_error(api().join(y.code, "{}", bearer(x.token)), 403, "forbidden"));

    // Nothing changed in either room: the refused leave did not remove Ada from X, and the
    // refused join did not add her to Y.
    EXPECT_EQ(api().room_state(x)["members"].size(), 1u);
    EXPECT_EQ(api().room_state(y)["members"].size(), 1u);
}

// ---- 429 rate_limited ----

class RateLimitTest : public RoomsTest {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--room-create-per-minute", "2"}, {"--join-per-minute", "2"}};
    }

    static ::testing::AssertionResult is_rate_limited(const http_reply& r) {
        if (auto result = is_error(r, 429, "rate_limited"); !result) return result;
        auto retry_after = r.header("Retry-After");
        if (!retry_after || retry_after->empty() ||
            retry_after->find_first_not_of("0123456789") != std::string::npos) {
            return ::testing::AssertionFailure() << "Retry-After is not a number of seconds: '"
                                                 << retry_after.value_or("") << "'";
        }
        int seconds = std::stoi(*retry_after);
        if (seconds < 1 || seconds > 60) {
            return ::testing::AssertionFailure()
                   << "Retry-After " << seconds << " is not within a minute";
        }
        return ::testing::AssertionSuccess();
    }
};

TEST_F(RateLimitTest, TheThirdRoomInAMinuteIsRefusedWithRetryAfter) {
    auto first = api().create_room();
    api().create_room();

    auto third = api().create(name_body("Ada"));

    EXPECT_TRUE(is_rate_limited(third));
    // Other calls are not limited by it.
    EXPECT_EQ(api().state(first.code, bearer(first.token)).status, 200);
    EXPECT_EQ(api().join(first.code, name_body("Grace")).status, 200);
}

TEST_F(RateLimitTest, TheThirdJoinInAMinuteIsRefusedWithRetryAfter) {
    auto ada = api().create_room("Ada");
    api().join_room(ada.code, "Grace");
    api().join_room(ada.code, "Linus");

    auto third = api().join(ada.code, name_body("Mallory"));

    EXPECT_TRUE(is_rate_limited(third));
    EXPECT_EQ(member_count(ada), 3u);  // the refused join added nobody
    // A rejoin with the member's own token is not a join: it is never refused for the rate.
    EXPECT_EQ(api().join(ada.code, "{}", bearer(ada.token)).status, 200);
    // Creating a room is counted apart.
    EXPECT_EQ(api().create(name_body("Ada")).status, 201);
}

}  // namespace
}  // namespace parlor::itest
