// The soak (`make soak`, bench/soak.sh): `clients` people in rooms of 4 to 8 for `duration`
// seconds, each doing every kind of operation with think time in between, randomized but
// seeded: calls (start, join, leave, end), signals to the other participants, uploads
// (prepare, PUT, complete) and downloads of what others uploaded (every byte checked), leaving
// the room and joining it again as someone new, and dropping the socket abruptly and coming
// back with the token (room:state resyncs). Every client is one person at one address
// (127.0.0.<1 + i % source-addresses>), so the server's per-address limits see a few people
// each.
//
// What is counted, and only what the protocol guarantees:
// - errors: every failed or refused operation except the refusals a race between members
//   explains (call_active, call_full, no_active_call, not_in_call, unknown_peer: counted
//   apart), every socket the server closed unasked, every snapshot or event that contradicts
//   what the members did (below).
// - lost signals: a signal (each carries a unique marker) not delivered, nor refused back to
//   its sender, although the sender's and the receiver's sockets were joined from its sending
//   until the end of the run, or for 30 s after it. A signal to someone whose socket was not
//   joined, or who dropped within 30 s, can legitimately vanish (the server relays to the
//   sockets attached at that moment) and is counted as unverifiable.
// - lost file:added: a file whose complete was answered 201 must reach, exactly once, every
//   member whose socket had its room:state before that complete was sent and stayed up (for
//   30 s after, or to the end); a socket joined after the 201 must find the file in its
//   room:state.
// - duplicates: a signal delivered twice, a file:added twice on one socket, two member:joined
//   (or member:left) about the same member in a row on one socket.
// The server sends no `seq`, so an event published while a socket's room:join is under way may
// come before or after its room:state and may or may not be reflected in it: such events are
// not held against the server, with two exceptions that no order of commits explains: a
// call:ended before room:state that still shows that call, and a file:added before room:state
// that does not list that file (a call never starts again, a file never goes).
// A client that replaces its state with room:state (the web client) would stay stale.

#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "file_transfer.hpp"
#include "payloads.hpp"
#include "scenarios.hpp"
#include "setup.hpp"

namespace load {
namespace {

using namespace std::chrono_literals;

constexpr auto answer_timeout = 30s;     // a reply or event an operation waits for
constexpr auto delivery_deadline = 30s;  // delivered by then while both ends were up, or lost
constexpr std::uint32_t none = UINT32_MAX;

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

enum class sig_state : std::uint8_t { pending, delivered, refused, unverifiable, lost };

struct signal_rec {
    std::uint32_t sender = 0, receiver = 0;                // clients
    std::uint32_t sender_member = 0, receiver_member = 0;  // members_
    std::uint32_t sender_gen = 0, receiver_gen = 0;        // sockets (0: receiver not joined)
    steady::time_point sent;
    signal_kind kind = signal_kind::ice;
    sig_state state = sig_state::pending;
    std::uint8_t deliveries = 0;
};

struct member_rec {
    std::string id;
    std::uint32_t client = 0, room = 0;
    steady::time_point joined;  // REST join answered
    bool leaving = false;       // leave requested
    std::optional<steady::time_point> left;
};

struct file_rec {
    std::string id, filename, sha256;
    std::uint32_t number = 0, room = 0, uploader = 0;
    std::uint64_t size = 0;
    std::optional<steady::time_point> completed;  // complete answered 201
};

struct room_rec {
    std::string id, code;
    std::vector<std::uint32_t> clients, files;  // files: completed, in that order
    std::unordered_set<std::string> calls;      // ids some member has seen started
};

struct client {
    std::uint32_t index = 0, room = 0;
    std::uint32_t member = none;
    std::string token;
    std::unique_ptr<net_context> net;
    std::unique_ptr<http_client> http;
    std::mt19937_64 rng;
    std::unique_ptr<asio::steady_timer> wake;
    std::uint64_t next_rid = 0, signals_sent = 0;

    std::shared_ptr<ws_conn> conn;
    std::uint32_t gen = 0;  // the current socket (0: none yet)
    bool joined = false;    // its room:state has come
    bool reading = false;   // its reader runs
    std::uint32_t dropping_gen = 0, leaving_gen = 0;
    steady::time_point join_sent, joined_at;

    // The room as this socket sees it.
    std::string call_id, call_started_by;
    std::set<std::string> participants;
    std::unordered_set<std::string> files_seen, files_added;
    std::vector<std::string> files_list;
    std::unordered_map<std::string, std::int8_t> presence;  // +1 joined, -1 left, since state
    std::vector<std::pair<std::uint32_t, steady::time_point>> expected_files;
    std::vector<json> before_state;  // room events that came before this socket's room:state

    // The operation waiting for its answer.
    std::string pending_kind, pending_rid, pending_call;
    bool pending_done = false;
    std::string pending_code, pending_message;
};

struct tally {
    std::uint64_t count = 0;
    std::string first;
};

class soak_run {
  public:
    soak_run(net_context& net, const options& opt, int source_count)
        : net_(net),
          opt_(opt),
          source_count_(source_count),
          factory_(opt.seed),
          content_(opt.seed),
          loops_(net.io.get_executor()),
          readers_(net.io.get_executor()) {}

    asio::awaitable<scenario_result> run() {
        scenario_result out;
        out.scenario = "soak";
        auto t0 = steady::now();
        co_await setup();
        out.metrics["setup_seconds"] = seconds_since(t0);
        out.metrics["rooms"] = rooms_.size();
        out.metrics["clients"] = clients_.size();

        started_ = steady::now();
        out.metrics["load_started_unix"] = unix_now();
        out.metrics["warmup_end_unix"] = unix_now() + opt_.warmup_s;
        end_ = started_ + std::chrono::milliseconds(static_cast<long>(opt_.duration_s * 1000));
        for (auto& c : clients_) {
            loops_.add();
            asio::co_spawn(net_.io, op_loop(*c), [this, &c](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& failure) {
                        error("client_loop",
                              "client " + std::to_string(c->index) + ": " + failure.what());
                    }
                }
                loops_.done();
            });
        }
        asio::co_spawn(net_.io, progress(), asio::detached);
        co_await loops_.wait();
        stopping_ = true;
        out.metrics["load_end_unix"] = unix_now();
        out.metrics["load_seconds"] = seconds_since(started_);

        co_await drain();
        final_check();
        closing_all_ = true;
        for (auto& c : clients_) {
            if (c->conn) c->conn->close();
        }
        co_await readers_.wait();
        report(out);
        co_return out;
    }

  private:
    // --- bookkeeping -------------------------------------------------------------------

    static double seconds_since(steady::time_point t) {
        return std::chrono::duration<double>(steady::now() - t).count();
    }

    void error(const std::string& kind, const std::string& message) {
        auto& t = errors_[kind];
        if (t.count++ == 0) t.first = message.substr(0, 400);
        if (error_lines_ < 20) {
            ++error_lines_;
            std::cerr << "soak: " << kind << ": " << message.substr(0, 400) << "\n";
        }
    }

    void refused(const std::string& code, const std::string& message) {
        auto& t = refusals_[code];
        if (t.count++ == 0) t.first = message.substr(0, 300);
    }

    void op(const std::string& kind) { ++ops_[kind]; }

    static bool race_code(std::string_view code) {
        return code == "call_active" || code == "call_full" || code == "no_active_call" ||
               code == "not_in_call" || code == "unknown_peer";
    }

    std::string rid(client& c, char kind) {
        return std::string(1, kind) + std::to_string(c.index) + "." + std::to_string(c.next_rid++);
    }

    std::uint32_t add_member(const member& m, std::uint32_t client, std::uint32_t room) {
        auto index = static_cast<std::uint32_t>(members_.size());
        members_.push_back({m.id, client, room, steady::now(), false, std::nullopt});
        member_index_[m.id] = index;
        return index;
    }

    std::uint32_t member_of(std::string_view id) const {
        auto it = member_index_.find(std::string(id));
        return it == member_index_.end() ? none : it->second;
    }

    const room_rec& room_of(const client& c) const { return rooms_[c.room]; }
    const std::string& my_id(const client& c) const { return members_[c.member].id; }

    std::string path(const client& c, const std::string& tail) const {
        return "/api/rooms/" + room_of(c).code + tail;
    }

    // --- setup -------------------------------------------------------------------------

    asio::awaitable<void> setup() {
        std::mt19937_64 rng(opt_.seed);
        const auto total = static_cast<std::uint32_t>(opt_.clients);
        for (std::uint32_t i = 0; i < total; ++i) {
            auto c = std::make_unique<client>();
            c->index = i;
            asio::ip::address source;
            auto server = net_.server.endpoint.address();
            if (source_count_ > 0 && server.is_v4() && server.is_loopback()) {
                source = asio::ip::make_address_v4(0x7f000001u +
                                                   i % static_cast<std::uint32_t>(source_count_));
            }
            c->net = std::make_unique<net_context>(
                net_context{net_.io, net_.server, source_addresses(source)});
            c->http = std::make_unique<http_client>(*c->net);
            c->rng.seed(opt_.seed * 1000003ull + i);
            c->wake = std::make_unique<asio::steady_timer>(net_.io);
            clients_.push_back(std::move(c));
        }
        // Rooms of 4 to 8, the last one taking what is left (at least 2).
        for (std::uint32_t next = 0; next < total;) {
            std::uint32_t size = 4 + static_cast<std::uint32_t>(rng() % 5);
            if (total - next < size + 4) size = total - next;
            room_rec r;
            for (std::uint32_t k = 0; k < size; ++k) {
                clients_[next + k]->room = static_cast<std::uint32_t>(rooms_.size());
                r.clients.push_back(next + k);
            }
            rooms_.push_back(std::move(r));
            next += size;
        }
        std::cerr << "soak: " << total << " clients in " << rooms_.size()
                  << " rooms: creating and joining over REST\n";
        co_await run_concurrently(
            rooms_.size(), opt_.setup_concurrency,
            [&](std::size_t index, std::size_t) -> asio::awaitable<void> {
                auto& r = rooms_[index];
                for (std::size_t k = 0; k < r.clients.size(); ++k) {
                    auto& c = *clients_[r.clients[k]];
                    if (k == 0) {
                        std::string name = "Soak " + std::to_string(c.index);
                        std::string body = json{{"displayName", name}}.dump();
                        auto reply = co_await c.http->request(http::verb::post, "/api/rooms", body);
                        room made;
                        auto who = check_member_reply(reply, 201, name, &made);
                        r.id = made.id;
                        r.code = made.code;
                        c.member = add_member(who, c.index, c.room);
                        c.token = who.token;
                        op("room_create");
                    } else {
                        co_await join_anew(c);
                    }
                }
            });
        std::cerr << "soak: opening the sockets\n";
        co_await run_concurrently(clients_.size(), opt_.setup_concurrency,
                                  [&](std::size_t index, std::size_t) -> asio::awaitable<void> {
                                      auto& c = *clients_[index];
                                      if (!co_await connect(c)) {
                                          throw std::runtime_error("client " +
                                                                   std::to_string(c.index) +
                                                                   " could not join its room");
                                      }
                                  });
    }

    // POST …/join as a new member (throws on failure).
    asio::awaitable<void> join_anew(client& c) {
        std::string name = "Soak " + std::to_string(c.index) + "." + std::to_string(c.next_rid++);
        std::string body = json{{"displayName", name}}.dump();
        auto reply = co_await c.http->request(http::verb::post, path(c, "/join"), body);
        room joined;
        auto who = check_member_reply(reply, 200, name, &joined);
        if (joined.id != room_of(c).id) throw protocol_error("the join reply names another room");
        c.member = add_member(who, c.index, c.room);
        c.token = who.token;
        op("rest_join");
    }

    // --- sockets -----------------------------------------------------------------------

    // Opens a socket and joins with the token; true once room:state has come.
    asio::awaitable<bool> connect(client& c) {
        auto conn = std::make_shared<ws_conn>(*c.net);
        try {
            co_await conn->open();
        } catch (const std::exception& e) {
            error("ws_open", e.what());
            co_return false;
        }
        c.conn = conn;
        c.gen = ++gens_;
        c.joined = false;
        c.reading = true;
        readers_.add();
        asio::co_spawn(net_.io, reader(c, conn, c.gen), asio::detached);
        auto r = rid(c, 'j');
        begin_pending(c, "room:join", r, {});
        c.join_sent = steady::now();
        conn->send(json{{"type", "room:join"}, {"data", {{"token", c.token}}}, {"rid", r}}.dump());
        op("ws_join");
        co_await await_pending(c);
        if (c.joined) co_return true;
        if (!c.pending_done) {
            error("room_join_timeout", "no room:state within 30 s");
        } else if (!c.pending_code.empty() && c.pending_code != "closed") {
            error("room_join_" + c.pending_code, c.pending_message);
            if (c.pending_code == "unauthorized") c.token.clear();  // join anew next time
        }
        co_await close_socket(c);
        co_return false;
    }

    asio::awaitable<void> reader(client& c, std::shared_ptr<ws_conn> conn, std::uint32_t gen) {
        try {
            for (;;) {
                auto text = co_await conn->read();
                if (c.dropping_gen == gen || closing_all_) break;
                on_frame(c, gen, text);
            }
        } catch (const std::exception& e) {
            if (c.dropping_gen != gen && c.leaving_gen != gen && !closing_all_) {
                error("socket_closed_by_server",
                      "client " + std::to_string(c.index) + ": " + e.what());
            }
        }
        conn->close();
        conn_ended(c, gen);
        readers_.done();
    }

    // Closes the current socket (the reader stops) and waits for its reader.
    asio::awaitable<void> close_socket(client& c) {
        if (!c.conn) co_return;
        c.dropping_gen = c.gen;
        c.conn->close();
        co_await wait_reader(c, std::chrono::seconds(5));
    }

    asio::awaitable<bool> wait_reader(client& c, steady::duration limit) {
        auto deadline = steady::now() + limit;
        while (c.reading && steady::now() < deadline) {
            c.wake->expires_at(deadline);
            beast::error_code ignored;
            co_await c.wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        co_return !c.reading;
    }

    void conn_ended(client& c, std::uint32_t gen) {
        if (c.gen != gen) return;
        auto now = steady::now();
        // Signals from or to this socket still on their way: lost if they had 30 s.
        for (auto it = pending_signals_.begin(); it != pending_signals_.end();) {
            auto& s = signals_[*it];
            if (s.state != sig_state::pending) {
                it = pending_signals_.erase(it);
                continue;
            }
            if ((s.receiver == c.index && s.receiver_gen == gen) ||
                (s.sender == c.index && s.sender_gen == gen)) {
                if (now - s.sent >= delivery_deadline && !stopping_) {
                    s.state = sig_state::lost;
                    ++signals_lost_;
                    error_lost("signal " + std::to_string(*it) + " from client " +
                               std::to_string(s.sender) + " to " + std::to_string(s.receiver) +
                               " not delivered in 30 s while both sockets were up");
                } else {
                    s.state = sig_state::unverifiable;
                }
                it = pending_signals_.erase(it);
                continue;
            }
            ++it;
        }
        check_expected_files(c, now, false);
        c.joined = false;
        c.reading = false;
        c.conn.reset();
        c.call_id.clear();
        c.call_started_by.clear();
        c.participants.clear();
        c.files_seen.clear();
        c.files_added.clear();
        c.files_list.clear();
        c.presence.clear();
        c.expected_files.clear();
        c.before_state.clear();
        if (!c.pending_kind.empty() && !c.pending_done) {
            c.pending_done = true;
            c.pending_code = "closed";
        }
        c.wake->cancel();
    }

    void error_lost(const std::string& message) {
        if (first_lost_.empty()) first_lost_ = message;
    }

    // Files that must have reached this socket: `final` at the end of the run.
    void check_expected_files(client& c, steady::time_point now, bool final) {
        for (const auto& [index, completed] : c.expected_files) {
            const auto& f = files_[index];
            if (c.files_added.count(f.id) || c.files_seen.count(f.id)) {
                ++file_events_verified_;
            } else if (final || (now - completed >= delivery_deadline && !stopping_)) {
                ++files_lost_;
                error_lost("file:added for " + f.id + " never reached client " +
                           std::to_string(c.index));
            } else {
                ++file_events_unverifiable_;
            }
        }
        c.expected_files.clear();
    }

    // --- waiting for answers -----------------------------------------------------------

    void begin_pending(client& c, const std::string& kind, const std::string& r,
                       const std::string& call_id) {
        c.pending_kind = kind;
        c.pending_rid = r;
        c.pending_call = call_id;
        c.pending_done = false;
        c.pending_code.clear();
        c.pending_message.clear();
    }

    void resolve(client& c, const std::string& code = {}, const std::string& message = {}) {
        c.pending_done = true;
        c.pending_code = code;
        c.pending_message = message;
        c.wake->cancel();
    }

    asio::awaitable<void> await_pending(client& c) {
        auto deadline = steady::now() + answer_timeout;
        while (!c.pending_done && steady::now() < deadline) {
            c.wake->expires_at(deadline);
            beast::error_code ignored;
            co_await c.wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        c.pending_kind.clear();
    }

    // Sends a call operation and waits for its event or its error.
    asio::awaitable<void> call_op(client& c, const std::string& type, const std::string& call_id) {
        auto r = rid(c, 'c');
        begin_pending(c, type, r, call_id);
        json data = json::object();
        if (!call_id.empty()) data["callId"] = call_id;
        c.conn->send(json{{"type", type}, {"data", data}, {"rid", r}}.dump());
        op(type);
        co_await await_pending(c);
        if (!c.pending_done) {
            error(type + "_timeout", "no answer to " + type + " within 30 s");
        } else if (c.pending_code == "closed") {
            // the socket went; nothing to hold against anyone
        } else if (race_code(c.pending_code)) {
            refused(c.pending_code, type + ": " + c.pending_message);
        } else if (!c.pending_code.empty()) {
            error(type + "_" + c.pending_code, c.pending_message);
        }
    }

    // --- frames --------------------------------------------------------------------------

    void on_frame(client& c, std::uint32_t gen, std::string_view text) {
        if (gen != c.gen) return;
        auto type = string_field(text, R"("type")");
        if (type.starts_with("signal:")) {
            on_signal(c, text);
            return;
        }
        auto frame = json::parse(text, nullptr, false);
        if (!frame.is_object() || !frame.contains("data") || !frame["data"].is_object()) {
            error("malformed_frame", std::string(text.substr(0, 300)));
            return;
        }
        const json& data = frame["data"];
        if (type == "room:state") {
            on_state(c, data);
            if (c.pending_kind == "room:join") resolve(c);
            return;
        }
        if (type == "error") {
            on_error(c, data, text);
            return;
        }
        if (type == "call:started") {
            // Known to the room whenever it arrives (also before this socket's room:state).
            auto id = data.contains("call") ? data["call"].value("id", "") : "";
            rooms_[c.room].calls.insert(id);
        }
        if (!c.joined) {
            // Before room:state: the snapshot may or may not reflect it (checked there).
            if (type == "call:ended" || type == "file:added") c.before_state.push_back(frame);
            return;
        }
        if (type.starts_with("member:")) {
            on_presence(c, type, data);
        } else if (type.starts_with("call:")) {
            on_call(c, type, data);
        } else if (type == "file:added") {
            on_file_added(c, data);
        }
    }

    void on_signal(client& c, std::string_view text) {
        auto got = scan_signal(text);
        if (!got.mark || got.mark->id >= signals_.size()) {
            ++signals_misrouted_;
            error("signal_malformed", std::string(text.substr(0, 200)));
            return;
        }
        auto& s = signals_[got.mark->id];
        if (s.receiver != c.index || got.mark->receiver != c.index ||
            got.mark->sender != s.sender || s.receiver_member != c.member ||
            got.from != members_[s.sender_member].id || got.type != type_name(s.kind)) {
            ++signals_misrouted_;
            error("signal_misrouted", "signal " + std::to_string(got.mark->id) + " for client " +
                                          std::to_string(s.receiver) + " reached client " +
                                          std::to_string(c.index) +
                                          " with from=" + std::string(got.from));
            return;
        }
        if (++s.deliveries > 1) {
            ++signals_duplicated_;
            if (first_duplicate_.empty())
                first_duplicate_ = "signal " + std::to_string(got.mark->id) + " came twice";
            return;
        }
        if (s.state == sig_state::refused) {
            error("signal_refused_and_delivered", "signal " + std::to_string(got.mark->id));
        }
        if (s.state != sig_state::lost) s.state = sig_state::delivered;
        ++signals_delivered_;
    }

    void on_error(client& c, const json& data, std::string_view text) {
        auto code = data.value("code", "");
        auto message = data.value("message", "");
        std::string r;
        if (data.contains("rid") && data["rid"].is_string()) r = data["rid"].get<std::string>();
        if (r.starts_with("s")) {
            auto dot = r.find('.');
            std::uint64_t id = std::stoull(r.substr(dot + 1));
            if (id < signals_.size()) {
                auto& s = signals_[id];
                if (s.deliveries > 0) {
                    error("signal_refused_and_delivered", "signal " + std::to_string(id));
                }
                if (s.state == sig_state::pending || s.state == sig_state::unverifiable) {
                    s.state = sig_state::refused;
                }
                ++signals_refused_;
            }
            if (race_code(code)) {
                refused(code, "signal: " + message);
            } else {
                error("signal_" + code, message);
            }
            return;
        }
        if (!r.empty() && r == c.pending_rid && !c.pending_done) {
            resolve(c, code, message);
            return;
        }
        error("error_frame_" + code, std::string(text.substr(0, 300)));
    }

    void on_state(client& c, const json& data) {
        ++snapshots_;
        auto fail = [&](const std::string& kind, const std::string& what) {
            error(kind, "client " + std::to_string(c.index) + ": " + what);
        };
        const auto& r = rooms_[c.room];
        if (data.value("self", "") != my_id(c)) fail("snapshot_self", "self is someone else");
        if (!data.contains("room") || data["room"].value("id", "") != r.id) {
            fail("snapshot_room", "room:state of another room");
        }
        // Members: present ones listed, those who left before the join not, those whose
        // socket was joined (and stayed) before ours online.
        std::unordered_map<std::string, bool> listed;
        for (const auto& m : data.value("members", json::array())) {
            listed[m.value("id", "")] = m.value("online", false);
        }
        for (const auto& m : members_) {
            if (m.room != c.room) continue;
            auto it = listed.find(m.id);
            if (m.left && *m.left < c.join_sent) {
                if (it != listed.end()) fail("snapshot_lists_left_member", m.id);
            } else if (!m.leaving && m.joined < c.join_sent && it == listed.end()) {
                fail("snapshot_missing_member", m.id);
            }
        }
        for (auto x : r.clients) {
            const auto& other = *clients_[x];
            if (x == c.index || !other.joined || other.member == none) continue;
            if (other.dropping_gen == other.gen || other.leaving_gen == other.gen) continue;
            if (members_[other.member].leaving) continue;
            // Joined before our room:join was sent: attached before our snapshot was read.
            auto it = listed.find(members_[other.member].id);
            if (other.joined_at < c.join_sent && (it == listed.end() || !it->second)) {
                fail("snapshot_member_not_online", members_[other.member].id);
            }
        }
        // Files: every one completed before the join listed; none of another room.
        c.files_seen.clear();
        c.files_added.clear();
        c.files_list.clear();
        for (const auto& f : data.value("files", json::array())) {
            auto id = f.value("id", "");
            auto found = file_index_.find(id);
            if (found == file_index_.end() || files_[found->second].room != c.room) {
                fail("snapshot_foreign_file", id);
                continue;
            }
            const auto& mine = files_[found->second];
            if (f.value("sha256", "") != mine.sha256 || f.value("sizeBytes", 0ull) != mine.size) {
                fail("snapshot_file_altered", id);
            }
            c.files_seen.insert(id);
            c.files_list.push_back(id);
        }
        for (auto index : r.files) {
            const auto& f = files_[index];
            if (*f.completed < c.join_sent && !c.files_seen.count(f.id)) {
                ++files_lost_;
                error_lost("room:state of client " + std::to_string(c.index) + " lacks file " +
                           f.id);
            }
        }
        // The call.
        c.call_id.clear();
        c.call_started_by.clear();
        c.participants.clear();
        if (data.contains("call") && data["call"].is_object()) {
            const auto& call = data["call"];
            c.call_id = call.value("id", "");
            c.call_started_by = call.value("startedBy", "");
            rooms_[c.room].calls.insert(c.call_id);
            for (const auto& p : call.value("participants", json::array())) {
                auto id = p.value("memberId", "");
                c.participants.insert(id);
                if (!listed.count(id)) fail("snapshot_call_stranger", id);
            }
            if (c.participants.size() > data.value("callCapacity", 6u)) {
                fail("snapshot_call_over_capacity", std::to_string(c.participants.size()));
            }
        }
        c.presence.clear();
        c.joined = true;
        c.joined_at = steady::now();
        check_before_state(c);
    }

    // An event that came before room:state on the same socket must not be newer than the
    // snapshot: a call that has ended never starts again, a file never goes. A snapshot that
    // still shows the call, or lacks the file, leaves a client that replaces its state with
    // room:state (as the web client does) with a stale room until something else changes.
    void check_before_state(client& c) {
        for (const auto& frame : c.before_state) {
            const auto& type = frame["type"].get_ref<const std::string&>();
            const auto& data = frame["data"];
            if (type == "call:ended" && data.value("callId", "") == c.call_id) {
                error("room_state_older_than_event_before_it",
                      "client " + std::to_string(c.index) + ": call:ended " + c.call_id +
                          " came before room:state, which still shows that call active");
                c.call_id.clear();
                c.call_started_by.clear();
                c.participants.clear();
            } else if (type == "file:added") {
                auto id = data.contains("file") ? data["file"].value("id", "") : "";
                if (!c.files_seen.count(id) && file_index_.count(id)) {
                    error("room_state_older_than_event_before_it",
                          "client " + std::to_string(c.index) + ": file:added " + id +
                              " came before room:state, which does not list that file");
                    c.files_seen.insert(id);
                    c.files_list.push_back(id);
                }
            }
        }
        c.before_state.clear();
    }

    void on_presence(client& c, std::string_view type, const json& data) {
        std::string id = type == "member:joined" && data.contains("member")
                             ? data["member"].value("id", "")
                             : data.value("memberId", "");
        auto m = member_of(id);
        if (m == none || members_[m].room != c.room) {
            error("presence_stranger", std::string(type) + " about " + id);
            return;
        }
        if (type == "member:left" && data.value("reason", "") == "left" && !members_[m].leaving) {
            error("member_left_without_leaving", id);
        }
        std::int8_t now = type == "member:joined" ? 1 : type == "member:left" ? -1 : 0;
        if (now == 0) return;
        auto& last = c.presence[id];
        if (last == now) {
            ++presence_duplicated_;
            if (first_duplicate_.empty()) {
                first_duplicate_ = std::string(type) + " about " + id +
                                   " twice in a row at client " + std::to_string(c.index);
            }
        }
        last = now;
        ++presence_events_;
    }

    void on_call(client& c, std::string_view type, const json& data) {
        auto& known = rooms_[c.room].calls;
        if (type == "call:started") {
            const auto& call = data.contains("call") ? data["call"] : json();
            auto id = call.value("id", "");
            if (!c.call_id.empty() && c.call_id != id) {
                error("call_started_during_another",
                      "client " + std::to_string(c.index) + " heard call:started " + id +
                          " while call " + c.call_id + " had not ended");
            }
            c.call_id = id;
            c.call_started_by = call.value("startedBy", "");
            c.participants.clear();
            for (const auto& p : call.value("participants", json::array())) {
                c.participants.insert(p.value("memberId", ""));
            }
            if (c.pending_kind == "call:start" && c.call_started_by == my_id(c)) resolve(c);
            return;
        }
        auto call_id = data.value("callId", "");
        if (!known.count(call_id)) {
            error("event_of_unknown_call", std::string(type) + " " + call_id);
        }
        auto who = data.value("memberId", "");
        if (type == "call:participant-joined") {
            if (call_id == c.call_id) c.participants.insert(who);
            if (who == my_id(c) && c.pending_kind == "call:join" && c.pending_call == call_id) {
                resolve(c);
            }
        } else if (type == "call:participant-left") {
            if (call_id == c.call_id) c.participants.erase(who);
            if (who == my_id(c) && c.pending_kind == "call:leave" && c.pending_call == call_id) {
                resolve(c);
            }
        } else if (type == "call:ended") {
            if (call_id == c.call_id) {
                c.call_id.clear();
                c.call_started_by.clear();
                c.participants.clear();
            }
            if (c.pending_kind == "call:end" && c.pending_call == call_id &&
                data.value("endedBy", "") == my_id(c)) {
                resolve(c);
            }
        }
    }

    void on_file_added(client& c, const json& data) {
        const auto& f = data.contains("file") ? data["file"] : json();
        auto id = f.value("id", "");
        auto found = file_index_.find(id);
        if (found == file_index_.end() || files_[found->second].room != c.room) {
            error("file_added_foreign", id);
            return;
        }
        const auto& mine = files_[found->second];
        if (f.value("sha256", "") != mine.sha256 || f.value("sizeBytes", 0ull) != mine.size ||
            f.value("filename", "") != mine.filename) {
            error("file_added_altered", f.dump().substr(0, 300));
        }
        if (!c.files_added.insert(id).second) {
            ++files_duplicated_;
            if (first_duplicate_.empty()) {
                first_duplicate_ =
                    "file:added " + id + " twice at client " + std::to_string(c.index);
            }
            return;
        }
        ++file_added_events_;
        if (c.files_seen.insert(id).second) {
            c.files_list.push_back(id);
        } else {
            ++file_added_in_snapshot_;  // published while the join was under way
        }
    }

    // --- the operations ------------------------------------------------------------------

    asio::awaitable<void> think(client& c, double low_s, double high_s) {
        std::uniform_real_distribution<double> d(low_s, high_s);
        auto until = steady::now() + std::chrono::milliseconds(static_cast<long>(d(c.rng) * 1000));
        co_await sleep_for(std::min(until, end_) - steady::now());
    }

    bool in_call(const client& c) const {
        return !c.call_id.empty() && c.participants.count(my_id(c));
    }

    asio::awaitable<void> op_loop(client& c) {
        co_await think(c, 0, 3);
        while (steady::now() < end_) {
            if (!c.joined) {
                co_await come_back(c);
                co_await think(c, 1, 3);
                continue;
            }
            // What this person may do now, with weights.
            std::vector<std::pair<int, int>> choices;  // kind, weight
            enum {
                k_signal,
                k_start,
                k_join,
                k_leave_call,
                k_end,
                k_upload,
                k_download,
                k_leave_room,
                k_drop
            };
            if (in_call(c)) {
                choices.push_back({k_signal, 40});
                choices.push_back({k_leave_call, 6});
                if (c.call_started_by == my_id(c)) choices.push_back({k_end, 3});
            } else if (!c.call_id.empty()) {
                choices.push_back({k_join, 14});
            } else {
                choices.push_back({k_start, 8});
            }
            choices.push_back({k_upload, 9});
            if (!c.files_list.empty()) choices.push_back({k_download, 12});
            choices.push_back({k_leave_room, 3});
            choices.push_back({k_drop, 5});
            int sum = 0;
            for (auto& [_, w] : choices) sum += w;
            int pick = static_cast<int>(c.rng() % static_cast<unsigned>(sum));
            int kind = choices.back().first;
            for (auto& [k, w] : choices) {
                if (pick < w) {
                    kind = k;
                    break;
                }
                pick -= w;
            }
            try {
                switch (kind) {
                    case k_signal:
                        send_signals(c);
                        break;
                    case k_start:
                        co_await call_op(c, "call:start", {});
                        break;
                    case k_join:
                        co_await call_op(c, "call:join", c.call_id);
                        break;
                    case k_leave_call:
                        co_await call_op(c, "call:leave", c.call_id);
                        break;
                    case k_end:
                        co_await call_op(c, "call:end", c.call_id);
                        break;
                    case k_upload:
                        co_await upload(c);
                        break;
                    case k_download:
                        co_await download(c);
                        break;
                    case k_leave_room:
                        co_await leave_room(c);
                        break;
                    case k_drop:
                        co_await drop(c);
                        break;
                }
            } catch (const std::exception& e) {
                static const char* names[] = {"signal",     "call_start", "call_join",
                                              "call_leave", "call_end",   "upload",
                                              "download",   "leave_room", "drop"};
                error(std::string(names[kind]) + "_failed", e.what());
            }
            co_await think(c, 1, 5);
        }
    }

    // One to three signals to every other participant, each with its marker and a rid.
    void send_signals(client& c) {
        op("signal_burst");
        auto me = my_id(c);
        for (const auto& peer : c.participants) {
            if (peer == me) continue;
            auto pm = member_of(peer);
            if (pm == none) continue;
            const auto& receiver = *clients_[members_[pm].client];
            int n = 1 + static_cast<int>(c.rng() % 3);
            for (int k = 0; k < n; ++k) {
                auto id = signals_.size();
                signal_rec s;
                s.sender = c.index;
                s.receiver = receiver.index;
                s.sender_member = c.member;
                s.receiver_member = pm;
                s.sender_gen = c.gen;
                bool reachable = receiver.joined && receiver.member == pm &&
                                 receiver.dropping_gen != receiver.gen &&
                                 receiver.leaving_gen != receiver.gen;
                s.receiver_gen = reachable ? receiver.gen : 0;
                s.sent = steady::now();
                s.kind = kind_for(c.signals_sent++);
                s.state = reachable ? sig_state::pending : sig_state::unverifiable;
                signals_.push_back(s);
                if (reachable) pending_signals_.insert(id);
                auto frame =
                    factory_.make(s.kind, peer, c.call_id,
                                  {id, c.index, static_cast<std::uint32_t>(receiver.index)});
                // The rid goes first: {"rid":"s<client>.<id>","type":…
                std::string with_rid = R"({"rid":"s)" + std::to_string(c.index) + "." +
                                       std::to_string(id) + "\"," + frame.substr(1);
                c.conn->send(with_rid);
                ++ops_[type_name(s.kind)];
            }
        }
    }

    asio::awaitable<void> upload(client& c) {
        op("upload");
        file_rec f;
        f.number = next_file_number_++;
        // 100 B to 64 KiB, most of them small.
        std::uniform_real_distribution<double> exponent(2, 4.8);
        f.size = static_cast<std::uint64_t>(std::pow(10.0, exponent(c.rng)));
        f.filename = "soak-" + std::to_string(f.number) + ".bin";
        f.sha256 = content_.sha256_hex(f.number, f.size);
        f.room = c.room;
        f.uploader = c.member;
        std::string what = "prepare";
        std::string body = json{
            {"filename", f.filename},
            {"mimeType", "application/octet-stream"},
            {"sizeBytes", f.size},
            {"sha256",
             f.sha256}}.dump();
        auto prepared = parse_object(
            co_await c.http->request(http::verb::post, path(c, "/files/prepare"), body, c.token),
            201, what);
        f.id = string_in(prepared, "fileId", what);
        json link = prepared.contains("upload") ? prepared["upload"] : json();
        auto headers = link.contains("headers") && link["headers"].is_object() ? link["headers"]
                                                                               : json::object();
        auto index = static_cast<std::uint32_t>(files_.size());
        file_index_[f.id] = index;
        files_.push_back(f);
        auto target = link_target(string_in(link, "url", what), net_.server);
        auto reply = co_await put_bytes(*c.net, target, headers, content_, f.number, f.size);
        if (reply.status != 200 && reply.status != 204) {
            throw protocol_error("PUT answered HTTP " + std::to_string(reply.status) + " " +
                                 reply.body.substr(0, 300));
        }
        // Whoever has their room:state now must hear of the file.
        std::vector<std::pair<std::uint32_t, std::uint32_t>> listeners;
        for (auto x : rooms_[c.room].clients) {
            const auto& other = *clients_[x];
            if (other.joined && other.dropping_gen != other.gen)
                listeners.push_back({x, other.gen});
        }
        what = "complete";
        body = json{{"fileId", files_[index].id}}.dump();
        auto done = parse_object(
            co_await c.http->request(http::verb::post, path(c, "/files/complete"), body, c.token),
            201, what);
        const auto& mine = files_[index];
        json file = done.contains("file") ? done["file"] : json();
        if (file.value("id", "") != mine.id || file.value("sha256", "") != mine.sha256 ||
            file.value("sizeBytes", 0ull) != mine.size) {
            throw protocol_error("complete names another file: " + file.dump().substr(0, 300));
        }
        auto now = steady::now();
        files_[index].completed = now;
        rooms_[c.room].files.push_back(index);
        bytes_uploaded_ += mine.size;
        op("upload_complete");
        for (auto [x, gen] : listeners) {
            auto& other = *clients_[x];
            if (other.gen == gen && other.joined) other.expected_files.push_back({index, now});
        }
    }

    asio::awaitable<void> download(client& c) {
        const auto id = c.files_list[c.rng() % c.files_list.size()];
        // A copy: files_ grows (and moves) while this coroutine waits.
        const file_rec f = files_[file_index_.at(id)];
        op("download");
        std::string what = "download link";
        auto link =
            parse_object(co_await c.http->request(http::verb::get, "/api/files/" + id + "/download",
                                                  std::string(), c.token),
                         200, what);
        auto target = link_target(string_in(link, "url", what), net_.server);
        co_await get_and_check(*c.net, target, content_, f.number, f.size);
        bytes_verified_ += f.size;
        op("download_verified");
    }

    // Leaves the room (over the socket or REST), then joins it again as someone new.
    asio::awaitable<void> leave_room(client& c) {
        bool over_rest = c.rng() % 2 == 0;
        auto& me = members_[c.member];
        me.leaving = true;
        c.leaving_gen = c.gen;
        if (over_rest) {
            op("rest_leave");
            auto reply =
                co_await c.http->request(http::verb::post, path(c, "/leave"), "{}", c.token);
            if (reply.status != 204) {
                error("rest_leave_http_" + std::to_string(reply.status), reply.body.substr(0, 300));
            }
        } else {
            op("room:leave");
            c.conn->send(envelope("room:leave", json::object()));
        }
        // The server closes the socket (1000) in both cases.
        if (!co_await wait_reader(c, answer_timeout)) {
            error("leave_socket_not_closed", "the socket stayed open 30 s after leaving");
            co_await close_socket(c);
        }
        members_[c.member].left = steady::now();
        c.token.clear();
        co_await think(c, 0.5, 2);
        if (steady::now() >= end_) co_return;
        co_await join_anew(c);
        co_await connect(c);
    }

    // Drops the socket without a close handshake, then comes back with the token.
    asio::awaitable<void> drop(client& c) {
        op("drop");
        bool was_in_call = in_call(c);
        co_await close_socket(c);
        co_await think(c, 0, 3);
        if (steady::now() >= end_) co_return;
        co_await come_back(c);
        if (was_in_call && c.joined && in_call(c)) {
            // As the web client does after its socket comes back: call:join again.
            co_await call_op(c, "call:join", c.call_id);
            op("call_rejoin");
        }
    }

    // A socket again: sometimes a fresh token first (POST …/join with the bearer).
    asio::awaitable<void> come_back(client& c) {
        if (c.token.empty()) {
            co_await join_anew(c);
        } else if (c.rng() % 2 == 0) {
            std::string body = "{}";
            auto reply =
                co_await c.http->request(http::verb::post, path(c, "/join"), body, c.token);
            if (reply.status == 200) {
                auto parsed = json::parse(reply.body, nullptr, false);
                auto id = parsed.is_object() && parsed.contains("member")
                              ? parsed["member"].value("id", "")
                              : "";
                if (id != my_id(c)) {
                    error("rejoin_other_member", reply.body.substr(0, 300));
                } else {
                    c.token = parsed.value("token", c.token);
                }
                op("rest_rejoin");
            } else {
                error("rest_rejoin_http_" + std::to_string(reply.status),
                      reply.body.substr(0, 300));
            }
        }
        if (co_await connect(c)) op("reconnect");
    }

    // --- the end -------------------------------------------------------------------------

    asio::awaitable<void> progress() {
        while (!stopping_) {
            co_await sleep_for(30s);
            if (stopping_) break;
            std::uint64_t total = 0, errors = 0;
            for (auto& [_, n] : ops_) total += n;
            for (auto& [_, t] : errors_) errors += t.count;
            std::size_t joined = 0;
            for (auto& c : clients_) joined += c->joined ? 1 : 0;
            std::cerr << "soak: " << static_cast<int>(seconds_since(started_)) << " s: " << total
                      << " operations, " << signals_.size() << " signals, " << files_.size()
                      << " uploads, " << joined << " sockets joined, " << errors << " errors, "
                      << signals_lost_ + files_lost_ << " lost, "
                      << signals_duplicated_ + files_duplicated_ + presence_duplicated_
                      << " duplicated\n";
        }
    }

    bool settled() const {
        for (auto id : pending_signals_) {
            if (signals_[id].state == sig_state::pending) return false;
        }
        for (const auto& c : clients_) {
            for (const auto& [index, _] : c->expected_files) {
                if (!c->files_seen.count(files_[index].id)) return false;
            }
        }
        return true;
    }

    // Everything still on its way gets up to 30 s to arrive.
    asio::awaitable<void> drain() {
        auto give_up = steady::now() + delivery_deadline;
        while (!settled() && steady::now() < give_up) co_await sleep_for(100ms);
    }

    void final_check() {
        for (auto id : pending_signals_) {
            auto& s = signals_[id];
            if (s.state != sig_state::pending) continue;
            const auto& from = *clients_[s.sender];
            const auto& to = *clients_[s.receiver];
            bool both_up = from.gen == s.sender_gen && from.joined && to.gen == s.receiver_gen &&
                           to.joined && from.dropping_gen != from.gen && to.dropping_gen != to.gen;
            if (both_up) {
                s.state = sig_state::lost;
                ++signals_lost_;
                error_lost("signal " + std::to_string(id) + " from client " +
                           std::to_string(s.sender) + " to " + std::to_string(s.receiver) +
                           " never delivered");
            } else {
                s.state = sig_state::unverifiable;
            }
        }
        pending_signals_.clear();
        for (auto& c : clients_) {
            if (c->joined) check_expected_files(*c, steady::now(), true);
        }
    }

    void report(scenario_result& out) {
        std::uint64_t unverifiable = 0;
        for (const auto& s : signals_) unverifiable += s.state == sig_state::unverifiable ? 1 : 0;
        json ops = json::object();
        std::uint64_t total_ops = 0;
        for (auto& [k, n] : ops_) {
            ops[k] = n;
            total_ops += n;
        }
        json errors = json::object();
        std::uint64_t total_errors = 0;
        for (auto& [k, t] : errors_) {
            errors[k] = {{"count", t.count}, {"first", t.first}};
            total_errors += t.count;
        }
        json refusals = json::object();
        for (auto& [k, t] : refusals_) refusals[k] = {{"count", t.count}, {"first", t.first}};
        std::uint64_t lost = signals_lost_ + files_lost_;
        std::uint64_t duplicated = signals_duplicated_ + files_duplicated_ + presence_duplicated_;
        out.checks = {
            {"operations", ops},
            {"operations_total", total_ops},
            {"errors", errors},
            {"errors_total", total_errors},
            {"refusals_by_race", refusals},
            {"lost", lost},
            {"duplicated", duplicated},
            {"signals",
             {{"sent", signals_.size()},
              {"delivered", signals_delivered_},
              {"refused", signals_refused_},
              {"unverifiable", unverifiable},
              {"lost", signals_lost_},
              {"duplicated", signals_duplicated_},
              {"misrouted", signals_misrouted_}}},
            {"file_added",
             {{"events", file_added_events_},
              {"verified_deliveries", file_events_verified_},
              {"unverifiable", file_events_unverifiable_},
              {"already_in_snapshot", file_added_in_snapshot_},
              {"lost", files_lost_},
              {"duplicated", files_duplicated_}}},
            {"presence", {{"events", presence_events_}, {"duplicated", presence_duplicated_}}},
            {"snapshots_checked", snapshots_},
            {"bytes_uploaded", bytes_uploaded_},
            {"bytes_downloaded_verified", bytes_verified_},
            {"first_lost", first_lost_},
            {"first_duplicate", first_duplicate_},
        };
        out.metrics["source_addresses"] = source_count_;
        if (total_errors) out.fail(std::to_string(total_errors) + " errors");
        if (lost) out.fail(std::to_string(lost) + " events lost (" + first_lost_ + ")");
        if (duplicated) {
            out.fail(std::to_string(duplicated) + " events duplicated (" + first_duplicate_ + ")");
        }
    }

    net_context& net_;
    const options& opt_;
    int source_count_;
    signal_factory factory_;
    file_content content_;
    wait_group loops_, readers_;
    std::vector<std::unique_ptr<client>> clients_;
    std::vector<room_rec> rooms_;
    std::vector<member_rec> members_;
    std::unordered_map<std::string, std::uint32_t> member_index_;
    std::vector<file_rec> files_;
    std::unordered_map<std::string, std::uint32_t> file_index_;
    std::vector<signal_rec> signals_;
    std::set<std::uint64_t> pending_signals_;
    std::uint32_t gens_ = 0, next_file_number_ = 0;
    steady::time_point started_, end_ = steady::time_point::max();
    bool stopping_ = false, closing_all_ = false;

    std::map<std::string, std::uint64_t> ops_;
    std::map<std::string, tally> errors_, refusals_;
    int error_lines_ = 0;
    std::uint64_t signals_delivered_ = 0, signals_refused_ = 0, signals_lost_ = 0,
                  signals_duplicated_ = 0, signals_misrouted_ = 0;
    std::uint64_t file_added_events_ = 0, file_events_verified_ = 0, file_events_unverifiable_ = 0,
                  file_added_in_snapshot_ = 0, files_lost_ = 0, files_duplicated_ = 0;
    std::uint64_t presence_events_ = 0, presence_duplicated_ = 0, snapshots_ = 0;
    std::uint64_t bytes_uploaded_ = 0, bytes_verified_ = 0;
    std::string first_lost_, first_duplicate_;
};

}  // namespace

asio::awaitable<scenario_result> run_soak(net_context& net, const options& opt) {
    soak_run run(net, opt, opt.soak_source_addresses);
    co_return co_await run.run();
}

}  // namespace load
