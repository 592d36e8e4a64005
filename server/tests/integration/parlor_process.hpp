#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace parlor::testing {
class test_database;
}

namespace parlor::itest {

using namespace std::chrono_literals;

// How a child process ended.
struct exit_status {
    bool exited = false;  // by exit(), with `code`; otherwise killed by `signal`
    int code = -1;
    int signal = 0;

    bool clean() const { return exited && code == 0; }
    std::string describe() const;
};

// What a short-lived run of the binary (--help, a bad flag) printed, and how it ended.
struct completed_run {
    exit_status status;
    std::string out;  // stdout
    std::string err;  // stderr
};

// The binary is the `parlor` built with the tests, or $PARLOR_IT_BINARY when set.

// Runs `parlor <args>` to completion (killed after `timeout`), with no PARLOR_* variables
// from our own environment.
completed_run run_parlor(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = 10s);

// The real `parlor` binary as a child process, listening on 127.0.0.1 on a port it picked
// itself (--port 0; we read it from its "listening" log line), with its own fresh data and
// static directories under a temporary directory that the destructor removes.
//
// `flags` are extra command-line flags ("--name" -> value); they replace the defaults
// (rate limits off) when they name the same flag, and an empty value drops the flag.
// `environment` adds PARLOR_* variables (none of ours are passed on).
//
// The metadata is SQLite in the data directory, unless the test names a --database-url, or
// PARLOR_IT_DATABASE=postgresql is set (ctest runs some suites a second time so): then each
// server gets a database of its own on the tests' PostgreSQL server, kept over restarts.
class parlor_process {
  public:
    explicit parlor_process(std::map<std::string, std::string> flags = {},
                            std::map<std::string, std::string> environment = {});
    ~parlor_process();
    parlor_process(const parlor_process&) = delete;
    parlor_process& operator=(const parlor_process&) = delete;

    // Starts the binary and waits until GET /api/health answers 200; throws
    // std::runtime_error (with the server's log) if it does not come up in time.
    void start();
    // Starts the binary and waits until it logs "listening", without the health check.
    void start_listening();
    // SIGTERM, then waits for the exit (SIGKILL after `timeout`).
    exit_status stop(std::chrono::milliseconds timeout = 20s);
    // SIGKILL, then waits for the exit.
    exit_status kill();
    // stop() then start() on the same data directory; throws if the stop was not clean.
    void restart();
    // SIGKILL, then start() on the same data directory: the process gets no chance to clean
    // up, as after a power cut or the OOM killer. Throws if it was not running.
    void kill_and_restart();

    void send_signal(int signal) const;
    // Runs the binary (from the next start on) with this RLIMIT_NOFILE, soft and hard, like
    // `prlimit --nofile=N`.
    void set_descriptor_limit(unsigned long limit) { descriptor_limit_ = limit; }
    // Runs the binary (from the next start on) through `command`: the binary and its
    // arguments are appended to it, and it must exec them in the end, so that pid() is the
    // server's (see data_dir_on_tmpfs). Empty: the binary itself.
    void run_through(std::vector<std::string> command) { wrapper_ = std::move(command); }
    // `path` as the running server sees it, through /proc/<pid>/root: run_through() may give
    // it a mount namespace of its own, where its data directory is not the one we see.
    std::filesystem::path as_seen_by_server(const std::filesystem::path& path) const;
    // The exit status once the process has ended within `timeout`, nullopt if it still runs.
    std::optional<exit_status> wait_for_exit(std::chrono::milliseconds timeout);
    bool running();

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::filesystem::path& root() const { return root_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    const std::filesystem::path& static_dir() const { return static_dir_; }

    // Everything the process wrote to stdout and stderr, over all its runs.
    std::string log() const;
    // Waits until the current run has logged a line containing `needle`; returns that
    // line, or nullopt on timeout or when the process closed its output first.
    std::optional<std::string> wait_for_log(std::string_view needle,
                                            std::chrono::milliseconds timeout = 10s);
    // Waits until GET /api/health answers 200; false on timeout or if the process ended.
    bool wait_until_healthy(std::chrono::milliseconds timeout = 10s);

  private:
    void spawn();
    void read_output(int fd);
    void join_reader();

    std::map<std::string, std::string> flags_;
    std::map<std::string, std::string> environment_;
    std::filesystem::path root_, data_dir_, static_dir_, log_path_;
    std::optional<unsigned long> descriptor_limit_;
    std::vector<std::string> wrapper_;
    std::unique_ptr<testing::test_database> database_;  // PARLOR_IT_DATABASE=postgresql
    pid_t pid_ = -1;
    std::optional<exit_status> ended_;
    unsigned short port_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable output_changed_;
    std::string output_;
    std::size_t run_begins_at_ = 0;  // offset in output_ where the current run's lines start
    bool output_closed_ = true;
    std::ofstream log_file_;
    std::thread reader_;
};

// A command for run_through(): the server runs in a mount namespace of its own (`unshare
// --mount`, with `--user --map-root-user` when we are not root) in which `dir` is a tmpfs of
// `bytes` bytes, mode 0700; the mount goes with the namespace when the server exits, and
// nothing changes outside it. So the server's files under `dir` are reached through
// parlor_process::as_seen_by_server(), and a restart finds `dir` empty again. Throws
// std::runtime_error naming what is missing when `unshare` cannot be found.
std::vector<std::string> data_dir_on_tmpfs(const std::filesystem::path& dir, std::uint64_t bytes);

}  // namespace parlor::itest
