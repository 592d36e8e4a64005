// The shipped nginx site (deploy/nginx/parlor.conf) in front of two real `parlor` processes,
// as an operator runs them: HTTPS with a certificate, port 80 sending everyone to HTTPS,
// WebSockets spread over both instances (people on different ones hear of each other),
// uploads larger than nginx's default body limit streamed to Parlor, the client's own
// address in Parlor's log, and the second instance taking over when the first dies.
//
// The test runs nginx from the shipped file itself, with only these lines replaced (each
// must be in the file exactly once, so that a change there fails here rather than going
// untested): the listen lines (free ports on 127.0.0.1; IPv6 left out), the certificate
// and key (a self-signed pair made with `openssl req` for the file's server_name), and the
// two upstream servers (the two instances' ports). The HTTPS server also gets one more
// listen line, plain HTTP on 127.0.0.1, because the test's HTTP and WebSocket clients speak
// no TLS; HTTPS itself is checked with curl. The file goes inside a main configuration the
// test writes (events {}, http {} with the pid, log and temporary paths in the test's
// directory), as Debian's nginx.conf includes sites-enabled/ inside http {}.
//
// Both instances share one data directory (SQLite and files), as the shipped systemd unit
// has them share /var/lib/parlor, one token secret, and one Redis (started by the test), as
// deploy/systemd/parlor.env.example has them.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "files_support.hpp"
#include "support/child_process.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

namespace parlor::itest {
namespace {

namespace fs = std::filesystem;

std::string read_whole_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_whole_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A program on PATH or in the sbin directories (nginx lives in /usr/sbin, which is not on
// every user's PATH); empty when there is none.
fs::path find_program(const std::string& name) {
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::stringstream list(dirs);
    for (std::string dir; std::getline(list, dir, ':');) {
        if (dir.empty()) continue;
        auto candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

fs::path required_program(const std::string& name) {
    auto path = find_program(name);
    if (path.empty()) {
        throw std::runtime_error(name +
                                 " is not installed; scripts/install-deps.sh installs it "
                                 "(Debian package " +
                                 name + ")");
    }
    return path;
}

// `count` ports on 127.0.0.1 that were free a moment ago (each bound to port 0 at once, so
// they differ, then released for nginx to take).
std::vector<unsigned short> free_ports(std::size_t count) {
    std::vector<int> sockets;
    std::vector<unsigned short> ports;
    for (std::size_t i = 0; i < count; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot find a free port");
        }
        sockets.push_back(fd);
        ports.push_back(ntohs(address.sin_port));
    }
    for (int fd : sockets) ::close(fd);
    return ports;
}

// Runs a helper program to its end: its exit code (-1: killed) and what it printed on
// stdout (its first line) and stderr.
struct program_run {
    int code = -1;
    std::string out;
    std::string err;
};

program_run run_program(const std::vector<std::string>& argv, const fs::path& work_dir) {
    auto err_path = work_dir / "program.err";
    testing::child_process child(argv, {.stderr_to = err_path, .pipe_stdout = true});
    program_run run;
    run.out = child.read_line(30s).value_or("");
    run.code = child.wait();
    run.err = read_whole_file(err_path);
    return run;
}

// The value of the first `directive` line in an nginx file ("server_name a.example;" -> a.example).
std::string first_value(const std::string& config, const std::string& directive) {
    auto at = config.find("\n    " + directive + " ");
    if (at == std::string::npos) throw std::runtime_error("no " + directive + " in the site");
    at = config.find(' ', at + 5) + 1;
    return config.substr(at, config.find(';', at) - at);
}

struct nginx_ports {
    unsigned short redirect = 0;  // the site's port 80
    unsigned short https = 0;     // its port 443
    unsigned short plain = 0;     // the test's plain-HTTP door into the HTTPS server
};

// The shipped site with the test's values. Each replaced text must be in it exactly once.
std::string render_site(std::string site, const nginx_ports& ports, unsigned short first,
                        unsigned short second, const fs::path& certificate, const fs::path& key) {
    auto port = [](unsigned short p) { return std::to_string(p); };
    const std::vector<std::pair<std::string, std::string>> replacements{
        {"listen 80;", "listen 127.0.0.1:" + port(ports.redirect) + ";"},
        {"listen [::]:80;", "# (test: no IPv6 listener)"},
        {"listen 443 ssl;", "listen 127.0.0.1:" + port(ports.https) +
                                " ssl;\n    listen 127.0.0.1:" + port(ports.plain) +
                                ";  # (test: plain HTTP for the test's clients)"},
        {"listen [::]:443 ssl;", "# (test: no IPv6 listener)"},
        {"server 127.0.0.1:8081", "server 127.0.0.1:" + port(first)},
        {"server 127.0.0.1:8082", "server 127.0.0.1:" + port(second)},
        {"/etc/ssl/certs/CHANGE-ME-fullchain.pem", certificate.string()},
        {"/etc/ssl/private/CHANGE-ME-privkey.pem", key.string()},
    };
    for (const auto& [from, to] : replacements) {
        auto at = site.find(from);
        if (at == std::string::npos || site.find(from, at + 1) != std::string::npos) {
            throw std::runtime_error("deploy/nginx/parlor.conf no longer has '" + from +
                                     "' exactly once: update nginx_proxy_test.cpp with it");
        }
        site.replace(at, from.size(), to);
    }
    return site;
}

class NginxProxyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        nginx_binary_ = required_program("nginx");
        curl_binary_ = required_program("curl");
        site_ = read_whole_file(PARLOR_NGINX_SITE);
        ASSERT_FALSE(site_.empty()) << "cannot read " << PARLOR_NGINX_SITE;
        server_name_ = first_value(site_, "server_name");

        // Two instances on one data directory, one secret and one Redis, as the systemd unit
        // runs them. An explicit SQLite URL, so that PARLOR_IT_DATABASE cannot give each its
        // own.
        std::map<std::string, std::string> flags{
            {"--data-dir", shared_data_.string()},
            {"--database-url", "sqlite:" + (shared_data_ / "parlor.db").string()},
            {"--redis-url", redis_.url()},
            {"--token-secret", std::string(48, 'n')},
            {"--trusted-proxy", "127.0.0.1/32"},
            {"--public-origin", "https://" + server_name_}};
        first_ = std::make_unique<parlor_process>(flags);
        first_->start();
        second_ = std::make_unique<parlor_process>(flags);
        second_->start();

        make_certificate();
        start_nginx();
    }

    void TearDown() override {
        if (!HasFailure()) return;
        std::cerr << "-------- nginx error log --------\n"
                  << read_whole_file(dir_.path() / "error.log");
        if (first_) std::cerr << "-------- first parlor --------\n" << first_->log();
        if (second_) std::cerr << "-------- second parlor --------\n" << second_->log();
        std::cerr << "-------------------------------\n";
    }

    // A self-signed certificate for the site's server_name.
    void make_certificate() {
        certificate_ = dir_.path() / "fullchain.pem";
        key_ = dir_.path() / "privkey.pem";
        auto run = run_program(
            {required_program("openssl").string(), "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + server_name_,
             "-addext", "subjectAltName=DNS:" + server_name_, "-keyout", key_.string(), "-out",
             certificate_.string()},
            dir_.path());
        if (run.code != 0) throw std::runtime_error("openssl req failed: " + run.err);
    }

    // nginx on free ports, from the shipped site, with `daemon off` so that it stays our
    // child. A port taken between our look and nginx's bind means another try.
    void start_nginx() {
        const auto& d = dir_.path();
        std::ostringstream main_config;
        main_config << "# Written by nginx_proxy_test: the least main configuration around the "
                       "shipped site.\n";
        // A master started as root runs its workers as nobody, who could not enter our 0700
        // directory for the temporary files.
        if (::geteuid() == 0) main_config << "user root;\n";
        main_config << "worker_processes 1;\n"
                    << "pid " << (d / "nginx.pid").string() << ";\n"
                    << "error_log " << (d / "error.log").string() << " notice;\n"
                    << "events { worker_connections 256; }\n"
                    << "http {\n"
                    << "    access_log " << (d / "access.log").string() << ";\n";
        for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
            main_config << "    " << temp << "_temp_path " << (d / temp).string() << ";\n";
        main_config << "    include " << (d / "parlor.conf").string() << ";\n}\n";
        write_whole_file(d / "nginx.conf", main_config.str());

        for (int attempt = 1;; ++attempt) {
            auto picked = free_ports(3);
            ports_ = {picked[0], picked[1], picked[2]};
            write_whole_file(d / "parlor.conf", render_site(site_, ports_, first_->port(),
                                                            second_->port(), certificate_, key_));
            std::filesystem::remove(d / "error.log");
            nginx_ = std::make_unique<testing::child_process>(
                std::vector<std::string>{nginx_binary_.string(), "-p", d.string() + "/", "-c",
                                         (d / "nginx.conf").string(), "-e",
                                         (d / "error.log").string(), "-g", "daemon off;"},
                testing::child_streams{.stdout_to = d / "nginx.out", .stderr_to = d / "nginx.err"});
            if (nginx_answers()) return;
            nginx_.reset();
            auto log = read_whole_file(d / "error.log") + read_whole_file(d / "nginx.err");
            if (attempt == 3 || log.find("Address already in use") == std::string::npos)
                throw std::runtime_error("nginx did not start:\n" + log);
        }
    }

    // Polls the plain door until a health check passes through nginx; false if nginx
    // ends first or it takes longer than 10 s.
    bool nginx_answers() {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (!nginx_->running()) return false;
            try {
                if (request(ports_.plain, "GET", "/api/health", {}, {}, 2s).status == 200)
                    return true;
            } catch (const std::exception&) {
                // not listening yet
            }
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    // A GET over HTTPS with curl, checking the certificate against ours, from 127.0.0.2 (a
    // loopback address that is neither nginx's nor Parlor's): the status, and the
    // response headers as curl wrote them.
    std::pair<int, std::string> https_get(const std::string& target) {
        auto port = std::to_string(ports_.https);
        auto headers = dir_.path() / "curl-headers";
        auto run = run_program(
            {curl_binary_.string(), "--silent", "--show-error", "--cacert", certificate_.string(),
             "--resolve", server_name_ + ":" + port + ":127.0.0.1", "--interface", "127.0.0.2",
             "--max-time", "20", "--dump-header", headers.string(), "--output", "/dev/null",
             "--write-out", "%{http_code}\\n", "https://" + server_name_ + ":" + port + target},
            dir_.path());
        if (run.code != 0)
            throw std::runtime_error("curl failed (" + std::to_string(run.code) + "): " + run.err);
        return {std::stoi(run.out), read_whole_file(headers)};
    }

    // The line the instances logged for the request with this id.
    std::string logged_request(const std::string& request_id) {
        auto needle = R"("request_id":")" + request_id + "\"";
        for (auto* server : {first_.get(), second_.get()}) {
            auto log = server->log();
            auto at = log.find(needle);
            if (at == std::string::npos) continue;
            auto begin = log.rfind('\n', at);
            begin = begin == std::string::npos ? 0 : begin + 1;
            return log.substr(begin, log.find('\n', at) - begin);
        }
        return {};
    }

    parlor_client through_nginx() const { return parlor_client(ports_.plain); }

    // A socket through nginx, from a page on the site's origin, that has sent room:join as
    // `who` (its answer is the next frame).
    std::unique_ptr<ws_client> join_over_websocket(const admission& who) {
        auto socket = std::make_unique<ws_client>(ports_.plain, "https://" + server_name_);
        socket->send("room:join", {{"token", who.token}});
        return socket;
    }

    // An upload prepared through nginx: the server's answer (fileId, upload.url).
    nlohmann::json prepare_through_nginx(const admission& who, const std::string& bytes) {
        auto prepared = through_nginx().call("POST", "/api/rooms/" + who.code + "/files/prepare",
                                             nlohmann::json{{"filename", "recording.webm"},
                                                            {"mimeType", "video/webm"},
                                                            {"sizeBytes", bytes.size()},
                                                            {"sha256", sha256_of(bytes)}}
                                                 .dump(),
                                             bearer(who.token));
        if (prepared.status != 201) throw std::runtime_error("prepare: " + prepared.body);
        return prepared.json();
    }

    http_reply complete_through_nginx(const admission& who, const std::string& file_id) {
        return through_nginx().call("POST", "/api/rooms/" + who.code + "/files/complete",
                                    nlohmann::json{{"fileId", file_id}}.dump(), bearer(who.token));
    }

    // prepare, the signed PUT and complete, all through nginx; the file's id.
    std::string share_through_nginx(const admission& who, const std::string& bytes) {
        auto prepared = prepare_through_nginx(who, bytes);
        auto stored = through_nginx().call("PUT", target_of(prepared["upload"]["url"]), bytes,
                                           {{"Content-Type", "video/webm"}});
        if (stored.status != 204) throw std::runtime_error("PUT: " + stored.body);
        auto done = complete_through_nginx(who, prepared["fileId"]);
        if (done.status != 201) throw std::runtime_error("complete: " + done.body);
        return prepared["fileId"];
    }

    // The file's bytes, downloaded through nginx with a fresh link.
    std::string download_through_nginx(const admission& who, const std::string& file_id) {
        auto link = through_nginx().call("GET", "/api/files/" + file_id + "/download", {},
                                         bearer(who.token));
        if (link.status != 200) throw std::runtime_error("download link: " + link.body);
        auto got = through_nginx().call("GET", target_of(link.json()["url"]));
        if (got.status != 200) throw std::runtime_error("download: " + std::to_string(got.status));
        return got.body;
    }

    testing::temp_dir dir_;
    fs::path shared_data_ = dir_.path() / "parlor-data";
    fs::path nginx_binary_, curl_binary_, certificate_, key_;
    std::string site_, server_name_;
    testing::redis_server redis_;  // outlives the instances
    std::unique_ptr<parlor_process> first_, second_;
    nginx_ports ports_;
    std::unique_ptr<testing::child_process> nginx_;
};

TEST_F(NginxProxyTest, HealthAnswersOverHttpsAndParlorLogsTheClientsAddress) {
    auto [status, headers] = https_get("/api/health");
    EXPECT_EQ(status, 200) << headers;

    // curl came from 127.0.0.2; nginx reached Parlor from 127.0.0.1 and said who the client
    // was in X-Forwarded-For.
    std::smatch id;
    ASSERT_TRUE(std::regex_search(headers, id, std::regex("[Xx]-[Rr]equest-[Ii]d: *([^\r\n]+)")))
        << headers;
    auto line = logged_request(id[1].str());
    ASSERT_FALSE(line.empty()) << "no log line for request " << id[1];
    EXPECT_NE(line.find(R"("client_ip":"127.0.0.2")"), std::string::npos) << line;
}

TEST_F(NginxProxyTest, PlainHttpIsSentToHttps) {
    auto reply = request(ports_.redirect, "GET", "/r/abcd-efgh-jkmn?x=1");
    EXPECT_EQ(reply.status, 301);
    auto location = reply.header("Location").value_or("");
    EXPECT_TRUE(location.starts_with("https://")) << location;
    EXPECT_TRUE(location.ends_with("/r/abcd-efgh-jkmn?x=1")) << location;
}

TEST_F(NginxProxyTest, PeopleWhoseSocketsNginxPutsOnDifferentInstancesHearOfEachOther) {
    auto ada = through_nginx().create_room("Ada");
    auto grace = through_nginx().join_room(ada.code, "Grace");

    auto ada_socket = join_over_websocket(ada);
    ASSERT_TRUE(is_event(ada_socket->next(), "room:state"));
    auto grace_socket = join_over_websocket(grace);
    auto state = grace_socket->next();
    ASSERT_TRUE(is_event(state, "room:state"));
    EXPECT_EQ((*state)["data"]["room"]["code"], ada.code);

    // least_conn: Ada's socket holds a connection to one instance, nothing else is in
    // flight, so Grace's goes to the other. Each instance logged an upgrade.
    for (auto* instance : {first_.get(), second_.get()}) {
        EXPECT_NE(instance->log().find(R"("event":"websocket")"), std::string::npos)
            << "an instance got no socket: nginx did not spread them";
    }
    // Ada hears of Grace all the same: the event crossed instances through Redis.
    auto joined = ada_socket->next();
    ASSERT_TRUE(is_event(joined, "member:joined"));
    EXPECT_EQ((*joined)["data"]["member"]["id"], grace.member_id) << shown(*joined);
}

TEST_F(NginxProxyTest, AFileLargerThanNginxsDefaultLimitIsStreamedToParlorAndComesBackWhole) {
    auto ada = through_nginx().create_room("Ada");
    auto bytes = binary_bytes(3 * 1024 * 1024 + 17);  // nginx refuses more than 1 MiB by default
    auto prepared = prepare_through_nginx(ada, bytes);
    auto target = target_of(prepared["upload"]["url"]);

    // The first half goes out; Parlor has bytes of it on disk before the second half is
    // sent: nginx passes the body on as it comes instead of collecting all of it first.
    http_connection upload(ports_.plain, 30s);
    upload.write_head(
        "PUT", target,
        {{"Content-Type", "video/webm"}, {"Content-Length", std::to_string(bytes.size())}});
    auto half = bytes.size() / 2;
    upload.write_raw(std::string_view(bytes).substr(0, half));
    auto part = shared_data_ / "files" / "uploads" / (key_of(target) + ".part");
    auto received = [&part]() -> std::uintmax_t {
        std::error_code no_file;
        auto size = fs::file_size(part, no_file);
        return no_file ? 0 : size;
    };
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (received() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_GT(received(), 0u)
        << "nothing of the upload reached Parlor while the client was still sending";
    upload.write_raw(std::string_view(bytes).substr(half));
    auto stored = upload.read_reply("PUT");
    ASSERT_EQ(stored.status, 204) << stored.body;

    auto done = complete_through_nginx(ada, prepared["fileId"]);
    ASSERT_EQ(done.status, 201) << done.body;
    auto back = download_through_nginx(ada, prepared["fileId"]);
    EXPECT_EQ(back.size(), bytes.size());
    EXPECT_TRUE(back == bytes) << "the downloaded bytes differ from the uploaded ones";
}

TEST_F(NginxProxyTest, WhenTheFirstInstanceDiesTheSecondAnswersEverything) {
    auto ada = through_nginx().create_room("Ada");
    auto bytes = binary_bytes(1536 * 1024, 7);
    auto file_id = share_through_nginx(ada, bytes);

    first_->kill();

    // Every request still succeeds: nginx finds the first instance gone and asks the second.
    EXPECT_EQ(through_nginx().health().status, 200);
    EXPECT_EQ(https_get("/api/health").first, 200);
    EXPECT_EQ(through_nginx().room_state(ada)["room"]["code"], ada.code);
    auto grace = through_nginx().join_room(ada.code, "Grace");
    EXPECT_TRUE(is_event(join_over_websocket(grace)->next(), "room:state"));
    EXPECT_NO_THROW(through_nginx().create_room("Linus"));
    EXPECT_TRUE(download_through_nginx(grace, file_id) == bytes)
        << "a file uploaded before the failover does not come back whole";
    EXPECT_NE(second_->log().find(R"("event":"websocket")"), std::string::npos)
        << "the second instance never saw the WebSocket";
}

}  // namespace
}  // namespace parlor::itest
