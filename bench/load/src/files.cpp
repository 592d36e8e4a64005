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

#include <unistd.h>

#include "file_transfer.hpp"
#include "scenarios.hpp"

namespace load {
namespace {

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
