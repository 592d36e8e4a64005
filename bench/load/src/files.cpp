// Scenario 6: file transfer. Files of `file_bytes` go up and come down through the
// protocol's signed links (POST .../files/prepare, PUT to upload.url, POST .../files/complete;
// GET /api/files/:id/download, GET its url), or with `files_direct` straight to
// <url>/<name> (plain PUT and GET: nginx with WebDAV, the local ceiling). Four phases: one
// upload, `file_parallel` uploads at once (distinct files), one download (three times in a
// row), then those `file_parallel` files downloaded at once. Each phase reports MB/s
// (10^6 bytes a second: all the bytes of the phase over its wall time, which includes the
// protocol's JSON calls around the transfers) and the server's peak resident memory during
// the phase (VmHWM of the server and its child processes, reset before each phase where
// the kernel allows). Before each phase the page cache is written back (sync, not timed),
// so that no phase pays for an earlier one's writes.
//
// The bytes are generated, never read from disk, and checked both ways. A file is made of
// 1 MiB blocks; each starts with its block index and the file's number (so a reordered,
// shifted or swapped stream shows) and goes on with pseudo-random bytes. The server checks
// an upload against the SHA-256 sent at prepare (complete must succeed); the load generator
// compares every downloaded chunk with what it sent as it arrives, and the length must be
// exact. Neither side ever holds a whole file in memory.

#include <openssl/evp.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <memory>

#include "scenarios.hpp"
#include "setup.hpp"

namespace load {
namespace {

constexpr std::size_t block_bytes = 1 << 20;
constexpr std::size_t header_bytes = 16;                  // block index, file number
constexpr std::size_t pool_blocks = 17;                   // distinct random block bodies (a prime)
constexpr auto stall_timeout = std::chrono::seconds(60);  // no progress this long: fail

// The bytes of every file: block b of file f is a 16-byte header (b and f, little-endian)
// and then one of a pool of pseudo-random 1 MiB blocks, chosen by b and f. Generating or
// checking a chunk is a memcpy or memcmp against the pool.
class file_content {
  public:
    explicit file_content(unsigned seed) : pool_(pool_blocks * block_bytes) {
        std::uint64_t state = 0x9E3779B97F4A7C15ull * (seed + 1ull);
        for (std::size_t i = 0; i + 8 <= pool_.size(); i += 8) {
            // splitmix64
            std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
            std::memcpy(pool_.data() + i, &z, 8);
        }
    }

    // Bytes [offset, offset + n) of `file` into `out`.
    void fill(std::uint32_t file, std::uint64_t offset, char* out, std::size_t n) const {
        segments(file, offset, n, [&](const char* expected, std::size_t length) {
            std::memcpy(out, expected, length);
            out += length;
        });
    }

    // The offset of the first byte of `data` (bytes [offset, offset + n) of `file`) that
    // differs from what the file holds there.
    std::optional<std::uint64_t> mismatch(std::uint32_t file, std::uint64_t offset,
                                          const char* data, std::size_t n) const {
        std::optional<std::uint64_t> first;
        std::uint64_t at = offset;
        segments(file, offset, n, [&](const char* expected, std::size_t length) {
            if (!first && std::memcmp(data, expected, length) != 0) {
                std::size_t i = 0;
                while (data[i] == expected[i]) ++i;
                first = at + i;
            }
            data += length;
            at += length;
        });
        return first;
    }

    std::string sha256_hex(std::uint32_t file, std::uint64_t size) const {
        std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
            throw std::runtime_error("SHA-256 is not available");
        }
        segments(file, 0, size, [&](const char* bytes, std::size_t length) {
            EVP_DigestUpdate(ctx.get(), bytes, length);
        });
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx.get(), digest, &length);
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < length; ++i) {
            out.push_back(hex[digest[i] >> 4]);
            out.push_back(hex[digest[i] & 15]);
        }
        return out;
    }

  private:
    // Calls fn(expected bytes, length) for consecutive pieces of [offset, offset + n).
    template <class Fn>
    void segments(std::uint32_t file, std::uint64_t offset, std::uint64_t n, Fn&& fn) const {
        unsigned char header[header_bytes];
        while (n > 0) {
            std::uint64_t block = offset / block_bytes;
            std::size_t at = static_cast<std::size_t>(offset % block_bytes);
            const char* expected;
            std::size_t length;
            if (at < header_bytes) {
                for (int i = 0; i < 8; ++i) {
                    header[i] = static_cast<unsigned char>(block >> (8 * i));
                    header[8 + i] = static_cast<unsigned char>(std::uint64_t{file} >> (8 * i));
                }
                expected = reinterpret_cast<const char*>(header) + at;
                length = header_bytes - at;
            } else {
                // 7 and 17 are coprime: neighbouring blocks never share a body.
                std::size_t body =
                    static_cast<std::size_t>((block * 7 + file * 5 + 3) % pool_blocks);
                expected = pool_.data() + body * block_bytes + at;
                length = block_bytes - at;
            }
            length = static_cast<std::size_t>(std::min<std::uint64_t>(length, n));
            fn(expected, length);
            offset += length;
            n -= length;
        }
    }

    std::vector<char> pool_;
};

// The path and query of a link the server handed out. An absolute link must point at the
// server under test (the bytes go to the process whose memory and CPU are measured).
std::string link_target(const std::string& url, const server_url& server) {
    if (url.starts_with("/")) return url;
    const std::string scheme = "http://";
    if (!url.starts_with(scheme))
        throw protocol_error("a link that is not http: " + url.substr(0, 120));
    auto slash = url.find('/', scheme.size());
    auto authority = url.substr(scheme.size(), slash - scheme.size());
    if (authority != server.host_header) {
        throw protocol_error("a link to another host: " + url.substr(0, 120));
    }
    return slash == std::string::npos ? "/" : url.substr(slash);
}

json parse_object(const http_reply& reply, int expected_status, const std::string& what) {
    if (reply.status != expected_status) {
        throw protocol_error(what + ": HTTP " + std::to_string(reply.status) + " " +
                             reply.body.substr(0, 300));
    }
    auto body = json::parse(reply.body, nullptr, false);
    if (!body.is_object()) throw protocol_error(what + ": the reply is not a JSON object");
    return body;
}

const std::string& string_in(const json& j, const char* key, const std::string& what) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
        throw protocol_error(what + ": the reply lacks " + key);
    }
    return j[key].get_ref<const std::string&>();
}

// PUTs the bytes of `file` to `target` on a connection of its own, 1 MiB at a time, and
// returns the answer.
asio::awaitable<http_reply> put_bytes(net_context& net, const std::string& target,
                                      const json& headers, const file_content& content,
                                      std::uint32_t file, std::uint64_t size) {
    beast::tcp_stream stream(net.io);
    stream.expires_after(stall_timeout);
    co_await connect_socket(stream.socket(), net);
    http::request<http::buffer_body> req{http::verb::put, target, 11};
    req.set(http::field::host, net.server.host_header);
    req.set(http::field::user_agent, "parlor-load");
    req.set(http::field::content_type, "application/octet-stream");
    for (const auto& [name, value] : headers.items()) {
        if (!value.is_string()) throw protocol_error("upload.headers holds a non-string");
        req.set(name, value.get<std::string>());
    }
    req.content_length(size);
    req.keep_alive(false);
    req.body().data = nullptr;
    req.body().more = true;
    http::request_serializer<http::buffer_body> serializer(req);
    beast::error_code ec;
    co_await http::async_write_header(stream, serializer,
                                      asio::redirect_error(asio::use_awaitable, ec));
    std::vector<char> chunk(block_bytes);
    std::uint64_t sent = 0;
    while (!ec && !serializer.is_done()) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - sent));
        content.fill(file, sent, chunk.data(), n);
        req.body().data = n > 0 ? chunk.data() : nullptr;
        req.body().size = n;
        req.body().more = sent + n < size;
        stream.expires_after(stall_timeout);
        co_await http::async_write(stream, serializer,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (!ec) sent += n;
    }
    // The answer (a server that refuses the upload may answer before it has read it all).
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code read_ec;
    stream.expires_after(ec ? std::chrono::seconds(5) : stall_timeout);
    co_await http::async_read(stream, buffer, res,
                              asio::redirect_error(asio::use_awaitable, read_ec));
    if (read_ec) {
        throw std::runtime_error("PUT failed after " + std::to_string(sent) + " of " +
                                 std::to_string(size) + " bytes: " + (ec ? ec : read_ec).message());
    }
    co_return http_reply{static_cast<int>(res.result_int()), std::move(res.body())};
}

// GETs `target` on a connection of its own and checks the body against `file`'s bytes as
// it arrives; throws at the first difference or a wrong length. Beast parses the response
// head; the body (its Content-Length is required) is then read from the socket straight
// into a 1 MiB buffer. Through a buffer_body parser every byte would be copied once more,
// out of Beast's read buffer in pieces of at most 64 KiB, which cost the load generator
// 2.5 times the CPU against nginx and made it, not the server, the limit.
asio::awaitable<void> get_and_check(net_context& net, const std::string& target,
                                    const file_content& content, std::uint32_t file,
                                    std::uint64_t size) {
    beast::tcp_stream stream(net.io);
    stream.expires_after(stall_timeout);
    co_await connect_socket(stream.socket(), net);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, net.server.host_header);
    req.set(http::field::user_agent, "parlor-load");
    req.keep_alive(false);
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    // Not boost::none: Beast 1.74 compares the length against it as if it were zero.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    auto status = parser.get().result_int();
    if (status != 200) {
        beast::error_code ignored;
        parser.body_limit(64 * 1024);
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ignored));
        throw protocol_error("GET answered HTTP " + std::to_string(status) + " " +
                             parser.get().body().substr(0, 300));
    }
    // content_length() is empty for a chunked body too.
    auto length = parser.content_length();
    if (!length) throw protocol_error("the download has no Content-Length");
    if (*length != size) {
        throw protocol_error("the download's Content-Length is " + std::to_string(*length) +
                             ", not " + std::to_string(size));
    }
    std::uint64_t received = 0;
    auto check = [&](const char* data, std::size_t n) {
        if (auto at = content.mismatch(file, received, data, n)) {
            throw protocol_error("downloaded byte " + std::to_string(*at) +
                                 " differs from the uploaded one");
        }
        received += n;
    };
    // The first bytes of the body may have come in with the head.
    auto early = buffer.data();
    if (early.size() > size) throw protocol_error("the download is longer than its Content-Length");
    check(static_cast<const char*>(early.data()), early.size());
    std::vector<char> chunk(block_bytes);
    while (received < size) {
        beast::error_code ec;
        stream.expires_after(stall_timeout);
        auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - received));
        std::size_t n = co_await stream.async_read_some(
            asio::buffer(chunk.data(), want), asio::redirect_error(asio::use_awaitable, ec));
        check(chunk.data(), n);
        if (ec) {
            throw std::runtime_error("the download stopped after " + std::to_string(received) +
                                     " of " + std::to_string(size) + " bytes: " + ec.message());
        }
    }
}

struct file_state {
    std::uint32_t number = 0;
    std::string name;    // bench-<n>.bin
    std::string sha256;  // protocol mode
    std::string id;      // protocol mode: the fileId, once complete
};

struct counts {
    std::uint64_t uploads_ok = 0, uploads_failed = 0, downloads_ok = 0, downloads_failed = 0;
    std::uint64_t bytes_uploaded = 0, bytes_verified = 0, server_checksums = 0;
};

}  // namespace

asio::awaitable<scenario_result> run_files(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "files";
    const std::uint64_t size = opt.file_bytes;
    const std::size_t parallel = std::max<std::size_t>(opt.file_parallel, 1);
    file_content content(opt.seed);
    std::vector<file_state> files(parallel + 1);  // 0 alone, 1..parallel at once
    for (std::size_t i = 0; i < files.size(); ++i) {
        files[i].number = static_cast<std::uint32_t>(i);
        files[i].name = "bench-" + std::to_string(i) + ".bin";
    }
    std::vector<std::unique_ptr<http_client>> clients;
    for (std::size_t i = 0; i < parallel; ++i)
        clients.push_back(std::make_unique<http_client>(net));
    counts c;

    room r;
    member who;
    if (!opt.files_direct) {
        // The SHA-256 that prepare declares, before anything is timed.
        auto started = steady::now();
        for (auto& f : files) f.sha256 = content.sha256_hex(f.number, size);
        out.metrics["sha256_seconds"] =
            std::chrono::duration<double>(steady::now() - started).count();
        std::string name = "Bench files";
        std::string body = json{{"displayName", name}}.dump();
        auto reply = co_await clients[0]->request(http::verb::post, "/api/rooms", body);
        who = check_member_reply(reply, 201, name, &r);
    }

    // One upload or download, with its JSON calls in protocol mode.
    auto upload = [&](file_state& f, http_client& client) -> asio::awaitable<void> {
        if (opt.files_direct) {
            auto reply =
                co_await put_bytes(net, "/" + f.name, json::object(), content, f.number, size);
            if (reply.status != 201 && reply.status != 204 && reply.status != 200) {
                throw protocol_error("PUT answered HTTP " + std::to_string(reply.status));
            }
            co_return;
        }
        std::string what = "prepare " + f.name;
        // (GCC 12 cannot take braced lists inside a co_await expression: built beforehand.)
        std::string body = json{
            {"filename", f.name},
            {"mimeType", "application/octet-stream"},
            {"sizeBytes", size},
            {"sha256",
             f.sha256}}.dump();
        auto prepared = parse_object(
            co_await client.request(http::verb::post, "/api/rooms/" + r.code + "/files/prepare",
                                    body, who.token),
            201, what);
        auto file_id = string_in(prepared, "fileId", what);
        json link = prepared.contains("upload") ? prepared["upload"] : json();
        if (string_in(link, "method", what) != "PUT")
            throw protocol_error(what + ": upload.method is not PUT");
        auto headers = link.contains("headers") && link["headers"].is_object() ? link["headers"]
                                                                               : json::object();
        auto reply = co_await put_bytes(net, link_target(string_in(link, "url", what), net.server),
                                        headers, content, f.number, size);
        if (reply.status != 200 && reply.status != 204) {
            throw protocol_error("PUT of " + f.name + " answered HTTP " +
                                 std::to_string(reply.status) + " " + reply.body.substr(0, 300));
        }
        what = "complete " + f.name;
        body = json{{"fileId", file_id}}.dump();
        auto done = parse_object(
            co_await client.request(http::verb::post, "/api/rooms/" + r.code + "/files/complete",
                                    body, who.token),
            201, what);
        json file = done.contains("file") ? done["file"] : json();
        if (string_in(file, "id", what) != file_id || string_in(file, "filename", what) != f.name ||
            string_in(file, "sha256", what) != f.sha256 || !file.contains("sizeBytes") ||
            file["sizeBytes"] != size) {
            throw protocol_error(what + ": the file in the reply is not the one uploaded: " +
                                 file.dump().substr(0, 300));
        }
        ++c.server_checksums;
        f.id = file_id;
    };
    auto download = [&](file_state& f, http_client& client) -> asio::awaitable<void> {
        std::string target = "/" + f.name;
        if (!opt.files_direct) {
            if (f.id.empty()) throw protocol_error(f.name + " was never uploaded");
            std::string what = "download link of " + f.name;
            auto link = parse_object(
                co_await client.request(http::verb::get, "/api/files/" + f.id + "/download",
                                        std::string(), who.token),
                200, what);
            target = link_target(string_in(link, "url", what), net.server);
        }
        co_await get_and_check(net, target, content, f.number, size);
    };

    auto before = sample_process_tree(opt.server_pid);
    if (before) out.metrics["rss_before_mib"] = before->rss_kib / 1024.0;
    bool peaks_reset = opt.server_pid > 0;

    // files[first .. first + count) at once, each `rounds` times in a row. A single download
    // from the page cache takes well under a second: three of them make a steadier figure.
    struct phase {
        std::string key;
        bool is_upload;
        std::size_t first, count, rounds;
    };
    const std::vector<phase> phases = {{"upload_single", true, 0, 1, 1},
                                       {"upload_parallel", true, 1, parallel, 1},
                                       {"download_single", false, 0, 1, 3},
                                       {"download_parallel", false, 1, parallel, 1}};
    for (const auto& p : phases) {
        if (!out.failures.empty()) {
            out.notes.push_back(p.key + " not run: an earlier phase failed");
            continue;
        }
        if (p.key == "download_single" && !opt.files_direct) {
            // Not timed: the room lists every file uploaded, complete, with its size.
            auto listed = parse_object(
                co_await clients[0]->request(http::verb::get, "/api/rooms/" + r.code + "/files",
                                             std::string(), who.token),
                200, "file list");
            std::size_t matching = 0;
            for (const auto& f : listed.value("files", json::array())) {
                for (const auto& mine : files) {
                    if (f.value("id", "") == mine.id && f.value("sizeBytes", json()) == size)
                        ++matching;
                }
            }
            if (matching != files.size()) {
                out.fail("the room lists " + std::to_string(matching) + " of the " +
                         std::to_string(files.size()) + " uploaded files");
                continue;
            }
        }
        // What earlier phases left in the page cache goes to the disk first (not timed): a
        // server that answered before flushing (nginx) would otherwise have its writeback
        // run through the next phase.
        auto sync_started = steady::now();
        ::sync();
        out.metrics[p.key + "_sync_before_s"] =
            std::chrono::duration<double>(steady::now() - sync_started).count();
        if (opt.server_pid > 0 && !reset_peak_rss(opt.server_pid)) peaks_reset = false;
        auto a = sample_process_tree(opt.server_pid);
        double own_a = own_cpu_seconds(), machine_a = machine_busy_seconds();
        auto t0 = steady::now();
        std::vector<double> took(p.count, 0);
        std::size_t failed = 0;
        co_await run_concurrently(
            p.count, p.count, [&](std::size_t i, std::size_t worker) -> asio::awaitable<void> {
                auto& f = files[p.first + i];
                auto started = steady::now();
                try {
                    for (std::size_t round = 0; round < p.rounds; ++round) {
                        if (p.is_upload) {
                            co_await upload(f, *clients[worker]);
                            ++c.uploads_ok;
                            c.bytes_uploaded += size;
                        } else {
                            co_await download(f, *clients[worker]);
                            ++c.downloads_ok;
                            c.bytes_verified += size;
                        }
                    }
                } catch (const std::exception& e) {
                    ++failed;
                    ++(p.is_upload ? c.uploads_failed : c.downloads_failed);
                    out.fail(p.key + " " + f.name + ": " + e.what());
                }
                took[i] = std::chrono::duration<double>(steady::now() - started).count();
            });
        double wall = std::chrono::duration<double>(steady::now() - t0).count();
        auto b = sample_process_tree(opt.server_pid);
        double own = own_cpu_seconds() - own_a, machine = machine_busy_seconds() - machine_a;
        if (failed) continue;
        auto& m = out.metrics;
        auto bytes = static_cast<double>(size) * static_cast<double>(p.count * p.rounds);
        m[p.key + "_mb_per_s"] = bytes / wall / 1e6;
        m[p.key + "_rounds"] = p.rounds;
        m[p.key + "_seconds"] = wall;
        m[p.key + "_slowest_s"] = *std::max_element(took.begin(), took.end());
        m[p.key + "_fastest_s"] = *std::min_element(took.begin(), took.end());
        m[p.key + "_client_cpu_util"] = own / wall;
        if (a && b) {
            double server = b->cpu_seconds - a->cpu_seconds;
            m[p.key + "_peak_rss_mib"] = b->hwm_kib / 1024.0;
            m[p.key + "_rss_after_mib"] = b->rss_kib / 1024.0;
            m[p.key + "_server_cpu_util"] = server / wall;
            m[p.key + "_other_cpu_util"] = std::max(0.0, machine - server - own) / wall;
            m["server_processes"] = b->processes;
        }
    }

    out.metrics["file_bytes"] = size;
    out.metrics["parallel"] = parallel;
    out.metrics["peak_rss_per_phase"] = peaks_reset;
    out.checks = {{"uploads_ok", c.uploads_ok},
                  {"uploads_failed", c.uploads_failed},
                  {"server_checksums", c.server_checksums},
                  {"downloads_ok", c.downloads_ok},
                  {"downloads_failed", c.downloads_failed},
                  {"bytes_uploaded", c.bytes_uploaded},
                  {"bytes_verified", c.bytes_verified},
                  {"direct", opt.files_direct}};
    if (opt.server_pid > 0 && !peaks_reset) {
        out.notes.push_back(
            "the kernel did not let the peak RSS be reset between phases: each peak is "
            "the highest since the server started");
    }
    co_return out;
}

}  // namespace load
