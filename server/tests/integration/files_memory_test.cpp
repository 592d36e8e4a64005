// THE SLOW ONE (ctest label `slow`, run serially): a 1 GiB file up and down through the
// signed links. The server streams uploads to disk and downloads out with sendfile, so its
// resident memory must stay flat; so does this test's, which generates the body as it goes.
// Takes some seconds (three SHA-256 passes over 1 GiB here, one in the server, the fsync).

#include <cstring>
#include <fstream>
#include <iostream>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

using nlohmann::json;

constexpr std::uint64_t mib = 1024 * 1024;
constexpr std::uint64_t file_size = 1024 * mib;
constexpr long allowed_growth_kib = 64 * 1024;

// A process's peak and current resident memory (VmHWM, VmRSS) in KiB.
struct memory_use {
    long peak_kib = -1;
    long resident_kib = -1;
};

memory_use memory_of(const std::string& process) {
    std::ifstream status("/proc/" + process + "/status");
    memory_use use;
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmHWM:")) use.peak_kib = std::stol(line.substr(6));
        if (line.starts_with("VmRSS:")) use.resident_kib = std::stol(line.substr(6));
    }
    if (use.peak_kib < 0 || use.resident_kib < 0)
        throw std::runtime_error("no VmHWM/VmRSS for process " + process);
    return use;
}

// The server's resident memory, read every 64 MiB of a transfer: VmHWM alone can miss a
// peak (the kernel updates it lazily), so the largest VmRSS seen meanwhile is kept too.
class memory_sampler {
  public:
    explicit memory_sampler(std::string process) : process_(std::move(process)) {}
    void on_bytes(std::uint64_t n) {
        since_ += n;
        if (since_ < 64 * mib) return;
        since_ = 0;
        sample();
    }
    long sample() {
        auto use = memory_of(process_);
        peak_kib_ = std::max({peak_kib_, use.peak_kib, use.resident_kib});
        return peak_kib_;
    }
    long peak_kib() const { return peak_kib_; }

  private:
    std::string process_;
    std::uint64_t since_ = 0;
    long peak_kib_ = 0;
};

// write(2) calls a process has made (/proc/<pid>/io, syscw).
long long write_calls_of(const std::string& process) {
    std::ifstream io("/proc/" + process + "/io");
    for (std::string line; std::getline(io, line);)
        if (line.starts_with("syscw:")) return std::stoll(line.substr(6));
    throw std::runtime_error("no syscw for process " + process);
}

// The test file, made up 1 MiB at a time and never held whole: a pseudo-random block, each
// copy stamped with its index, so that a block lost, repeated or misplaced changes the digest.
template <class Sink>
void generate(std::uint64_t size, Sink&& sink) {
    auto block = binary_bytes(mib, 7);
    for (std::uint64_t at = 0, index = 0; at < size; at += mib, ++index) {
        std::memcpy(block.data(), &index, sizeof index);
        sink(std::string_view(block).substr(0, std::min(mib, size - at)));
    }
}

class FilesMemoryTest : public files_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--max-file-bytes", std::to_string(2 * file_size)}};
    }

    void report(const std::string& name, const memory_use& use) {
        RecordProperty("parlor_" + name + "_VmHWM_KiB", std::to_string(use.peak_kib));
        RecordProperty("parlor_" + name + "_VmRSS_KiB", std::to_string(use.resident_kib));
        std::cout << "[  memory  ] parlor " << name << ": peak (VmHWM) " << use.peak_kib / 1024.0
                  << " MiB, resident (VmRSS) " << use.resident_kib / 1024.0 << " MiB\n";
    }
};

TEST_F(FilesMemoryTest, Slow_AGibibyteUpAndDownKeepsTheServersMemoryFlat) {
    using clock = std::chrono::steady_clock;
    sha256_hasher declared;
    generate(file_size, [&](std::string_view piece) { declared.update(piece); });
    auto sha256 = declared.hex();
    auto ada = api().create_room("Ada");
    auto prepared = prepare(ada, {{"filename", "big.bin"},
                                  {"mimeType", "application/octet-stream"},
                                  {"sizeBytes", file_size},
                                  {"sha256", sha256}});
    ASSERT_EQ(prepared.status, 201) << prepared.body;
    auto server_pid = std::to_string(server().pid());
    auto before = memory_of(server_pid);
    auto ours_before = memory_of("self");

    memory_sampler sampled(server_pid);
    sampled.sample();

    // Up: the body streamed through one connection.
    auto started = clock::now();
    http_connection up(port(), 120s);
    up.write_head("PUT", target_of(prepared.json()["upload"]["url"]),
                  {{"Content-Length", std::to_string(file_size)},
                   {"Content-Type", "application/octet-stream"}});
    generate(file_size, [&](std::string_view piece) {
        up.write_raw(piece);
        sampled.on_bytes(piece.size());
    });
    auto stored = up.read_reply();
    ASSERT_EQ(stored.status, 204) << stored.body;
    std::chrono::duration<double> upload_time = clock::now() - started;
    auto after_upload = memory_of(server_pid);
    auto upload_peak = sampled.sample();

    auto done = complete(ada, prepared.json()["fileId"]);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(done.json()["file"]["sizeBytes"], file_size);

    // Down: the body hashed as it arrives.
    started = clock::now();
    http_connection down(port(), 120s);
    down.write_head("GET", download_target(ada, prepared.json()["fileId"]));
    sha256_hasher received;
    std::uint64_t received_bytes = 0;
    auto got = down.read_reply_streaming([&](std::string_view piece) {
        received.update(piece);
        received_bytes += piece.size();
        sampled.on_bytes(piece.size());
    });
    std::chrono::duration<double> download_time = clock::now() - started;
    auto after_download = memory_of(server_pid);
    auto overall_peak = sampled.sample();
    auto ours_after = memory_of("self");

    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.header("Content-Length"), std::to_string(file_size));
    EXPECT_EQ(received_bytes, file_size);
    EXPECT_EQ(received.hex(), sha256) << "the downloaded bytes differ from the uploaded ones";

    report("before", before);
    report("after_upload", after_upload);
    report("after_download", after_download);
    std::cout << "[  memory  ] parlor's largest VmRSS/VmHWM sampled every 64 MiB: "
              << upload_peak / 1024.0 << " MiB up to the upload's end, " << overall_peak / 1024.0
              << " MiB to the download's end\n";
    RecordProperty("parlor_sampled_peak_KiB", std::to_string(overall_peak));
    std::cout << "[  memory  ] upload " << upload_time.count() << " s, download "
              << download_time.count() << " s; this test's own peak grew by "
              << (ours_after.peak_kib - ours_before.peak_kib) / 1024.0 << " MiB\n";
    RecordProperty("upload_seconds", std::to_string(upload_time.count()));
    RecordProperty("download_seconds", std::to_string(download_time.count()));
    EXPECT_LT(after_upload.peak_kib - before.peak_kib, allowed_growth_kib);
    EXPECT_LT(after_download.peak_kib - before.peak_kib, allowed_growth_kib);
    EXPECT_LT(overall_peak - before.peak_kib, allowed_growth_kib);
    EXPECT_LT(ours_after.peak_kib - ours_before.peak_kib, allowed_growth_kib);
}

// Upload bytes reach the disk in large writes, not one system call per socket read (a
// regression made uploads CPU-bound at ~45 MB/s with 2048 write(2) calls per MiB).
TEST_F(FilesMemoryTest, UploadedBytesReachTheDiskInLargeWrites) {
    constexpr std::uint64_t size = 64 * mib;
    sha256_hasher digest;
    generate(size, [&](std::string_view piece) { digest.update(piece); });
    auto ada = api().create_room("Ada");
    auto prepared =
        prepare(ada, {{"filename", "medium.bin"}, {"sizeBytes", size}, {"sha256", digest.hex()}});
    ASSERT_EQ(prepared.status, 201) << prepared.body;
    auto server_pid = std::to_string(server().pid());
    auto writes_before = write_calls_of(server_pid);

    http_connection up(port(), 60s);
    up.write_head("PUT", target_of(prepared.json()["upload"]["url"]),
                  {{"Content-Length", std::to_string(size)}});
    generate(size, [&](std::string_view piece) { up.write_raw(piece); });
    ASSERT_EQ(up.read_reply().status, 204);

    // 64 MiB in pieces of 16 KiB or more is at most 4096 writes (a few more for the log).
    auto writes = write_calls_of(server_pid) - writes_before;
    std::cout << "[  writes  ] " << writes << " write(2) calls for a 64 MiB upload\n";
    EXPECT_LT(writes, 4096 + 100);
}

}  // namespace
}  // namespace parlor::itest
