#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace parlor::testing {

// Where a child's standard streams go: files, or for stdout a pipe the test reads.
struct child_streams {
    std::filesystem::path stdin_from = "/dev/null";
    std::filesystem::path stdout_to = "/dev/null";  // unused when pipe_stdout
    std::filesystem::path stderr_to = "/dev/null";
    bool pipe_stdout = false;
};

// A helper program (a reference implementation, a test server) run by a test. It is
// terminated and reaped when the object goes, so no test leaves a process behind.
class child_process {
  public:
    child_process(const std::vector<std::string>& argv, const child_streams& streams) {
        int out_pipe[2] = {-1, -1};
        if (streams.pipe_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe2");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, streams.stdin_from.c_str(), O_RDONLY, 0);
        if (streams.pipe_stdout) {
            posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, streams.stdout_to.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0644);
        }
        posix_spawn_file_actions_addopen(&actions, 2, streams.stderr_to.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (streams.pipe_stdout) {
            ::close(out_pipe[1]);
            stdout_fd_ = out_pipe[0];
        }
        if (rc != 0) {
            pid_ = -1;
            throw std::system_error(rc, std::generic_category(), "posix_spawn " + argv[0]);
        }
    }
    ~child_process() {
        stop();
        if (stdout_fd_ >= 0) ::close(stdout_fd_);
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // The next line the child writes to its stdout pipe, without the '\n'; nullopt when the
    // child closes it or `budget` runs out first.
    std::optional<std::string> read_line(std::chrono::milliseconds budget) {
        auto deadline = std::chrono::steady_clock::now() + budget;
        for (;;) {
            if (auto newline = pending_.find('\n'); newline != std::string::npos) {
                std::string line = pending_.substr(0, newline);
                pending_.erase(0, newline + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd readable{stdout_fd_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0)
                return std::nullopt;
            char chunk[4096];
            ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
            if (got <= 0) return std::nullopt;
            pending_.append(chunk, static_cast<std::size_t>(got));
        }
    }

    // Waits for the child to end by itself: its exit status, or -1 if a signal ended it.
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    // True while the child runs; a child found ended is reaped (stop() then does nothing).
    bool running() {
        if (pid_ <= 0) return false;
        if (::waitpid(pid_, nullptr, WNOHANG) == 0) return true;
        pid_ = -1;
        return false;
    }

    // Ends the child (SIGTERM) and reaps it; nothing happens if it is already gone.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::string pending_;
};

}  // namespace parlor::testing
