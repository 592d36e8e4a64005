#include "parlor_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "http_client.hpp"
#include "support/test_database.hpp"

extern char** environ;

namespace parlor::itest {
namespace {

const char* const index_html =
    "<!doctype html>\n<html><head><title>Parlor</title>"
    "<script type=\"module\" src=\"/assets/app.js\"></script></head>"
    "<body><div id=\"app\">parlor-test-index</div></body></html>\n";
const char* const app_js = "console.log('parlor-test-app');\n";

// The binary under test: the one built with these tests, or PARLOR_IT_BINARY (to run them
// against another build, a sanitizer build say).
std::string binary() {
    const char* other = std::getenv("PARLOR_IT_BINARY");
    return other && *other ? other : PARLOR_BINARY;
}

std::filesystem::path make_temp_dir(const char* prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    return pattern;
}

void write_file(const std::filesystem::path& path, std::string_view content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

// Our environment without PARLOR_* variables, so that the developer's shell cannot change
// what the tests start.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; entry && *entry; ++entry) {
        if (std::string_view(*entry).starts_with("PARLOR_")) continue;
        env.emplace_back(*entry);
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// fork + exec with stdin from /dev/null and stdout/stderr onto the given descriptors. The
// child gets SIGKILL if we die, so that a crashed test run leaves no server behind, and
// inherits none of our other descriptors (client sockets to other servers, for one).
pid_t spawn_child(std::vector<std::string> args, int out_fd, int err_fd,
                  const std::map<std::string, std::string>& environment,
                  const std::filesystem::path* working_dir = nullptr,
                  std::optional<unsigned long> descriptor_limit = std::nullopt) {
    auto env_strings = child_environment(environment);
    auto argv = c_strings(args);
    auto envp = c_strings(env_strings);
    std::string cwd = working_dir ? working_dir->string() : std::string();
    long max_fd = ::sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
    pid_t parent = ::getpid();
    rlimit nofile{};
    if (descriptor_limit) nofile.rlim_cur = nofile.rlim_max = *descriptor_limit;

    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
            ::dup2(err_fd, 2) < 0) {
            ::_exit(126);
        }
        if (::close_range(3, ~0U, 0) != 0) {
            for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
        }
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(124);
        if (descriptor_limit && ::setrlimit(RLIMIT_NOFILE, &nofile) != 0) ::_exit(123);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

exit_status decode(int status) {
    exit_status s;
    if (WIFEXITED(status)) {
        s.exited = true;
        s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        s.signal = WTERMSIG(status);
    }
    return s;
}

// Polls waitpid until the child ends or the deadline passes.
std::optional<exit_status> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return decode(status);
        if (r < 0 && errno != EINTR)
            throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
}

}  // namespace

std::string exit_status::describe() const {
    if (exited) return "exit code " + std::to_string(code);
    if (signal != 0)
        return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "unknown status";
}

completed_run run_parlor(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    auto dir = make_temp_dir("parlor-run-");
    auto out_path = dir / "stdout", err_path = dir / "stderr";
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0)
        throw std::runtime_error("cannot create output files in " + dir.string());
    std::vector<std::string> argv{binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = spawn_child(argv, out_fd, err_fd, {}, &dir);
    ::close(out_fd);
    ::close(err_fd);
    auto status = wait_child(pid, timeout);
    if (!status) {
        ::kill(pid, SIGKILL);
        status = wait_child(pid, 10s);
    }
    completed_run run{status.value_or(exit_status{}), read_file(out_path), read_file(err_path)};
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return run;
}

parlor_process::parlor_process(std::map<std::string, std::string> flags,
                               std::map<std::string, std::string> environment)
    : flags_{{"--host", "127.0.0.1"},
             {"--port", "0"},
             {"--room-create-per-minute", "0"},
             {"--join-per-minute", "0"}},
      environment_(std::move(environment)) {
    for (auto& [name, value] : flags) flags_[name] = value;
    // PARLOR_IT_THREADS=N: every server runs with N network threads unless the test sets its
    // own (ctest runs the realtime suites a second time so, with 4).
    if (const char* threads = std::getenv("PARLOR_IT_THREADS"); threads && *threads) {
        flags_.try_emplace("--threads", threads);
    }
    root_ = make_temp_dir("parlor-it-");
    data_dir_ = root_ / "data";  // left for the server to create
    static_dir_ = root_ / "static";
    log_path_ = root_ / "parlor.log";
    write_file(static_dir_ / "index.html", index_html);
    write_file(static_dir_ / "assets" / "app.js", app_js);
    flags_.try_emplace("--data-dir", data_dir_.string());
    if (const char* database = std::getenv("PARLOR_IT_DATABASE");
        database && std::string_view(database) == "postgresql" &&
        !flags_.contains("--database-url")) {
        database_ = std::make_unique<testing::test_database>(testing::database_kind::postgresql);
        flags_["--database-url"] = database_->url();
    }
    flags_.try_emplace("--static-dir", static_dir_.string());
    log_file_.open(log_path_, std::ios::binary);
}

parlor_process::~parlor_process() {
    try {
        kill();
    } catch (...) {
        // Nothing more we can do; the child dies with us anyway (PR_SET_PDEATHSIG).
    }
    join_reader();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

void parlor_process::spawn() {
    if (running()) throw std::logic_error("parlor is already running");
    join_reader();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed: " + std::string(std::strerror(errno)));
    {
        std::lock_guard lock(mutex_);
        if (!output_.empty()) {
            output_ += "-------- parlor started again --------\n";
            log_file_ << "-------- parlor started again --------\n" << std::flush;
        }
        run_begins_at_ = output_.size();
        output_closed_ = false;
    }
    std::vector<std::string> args = wrapper_;
    args.push_back(binary());
    for (const auto& [name, value] : flags_) {
        if (value.empty()) continue;
        args.push_back(name);
        args.push_back(value);
    }
    try {
        pid_ = spawn_child(args, fds[1], fds[1], environment_, nullptr, descriptor_limit_);
    } catch (...) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw;
    }
    ::close(fds[1]);
    ended_.reset();
    port_ = 0;
    reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
}

void parlor_process::read_output(int fd) {
    char chunk[4096];
    for (;;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        output_.append(chunk, static_cast<std::size_t>(n));
        log_file_.write(chunk, n);
        log_file_.flush();
        output_changed_.notify_all();
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    output_closed_ = true;
    output_changed_.notify_all();
}

void parlor_process::join_reader() {
    if (reader_.joinable()) reader_.join();
}

void parlor_process::start_listening() {
    spawn();
    auto line = wait_for_log(R"("event":"listening")", 15s);
    if (line) {
        auto event = nlohmann::json::parse(*line, nullptr, false);
        if (event.is_object() && event.contains("port") && event["port"].is_number_unsigned())
            port_ = event["port"].get<unsigned short>();
    }
    if (port_ == 0) {
        auto status = kill();
        throw std::runtime_error("parlor did not start listening (" + status.describe() +
                                 "); its output:\n" + log());
    }
}

void parlor_process::start() {
    start_listening();
    if (!wait_until_healthy(15s)) {
        auto status = kill();
        throw std::runtime_error("parlor did not become healthy (" + status.describe() +
                                 "); its output:\n" + log());
    }
}

bool parlor_process::wait_until_healthy(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return false;
        try {
            if (request(port_, "GET", "/api/health", "", {}, 2s).status == 200) return true;
        } catch (const std::exception&) {
            // not answering yet
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

void parlor_process::send_signal(int signal) const {
    if (pid_ > 0 && !ended_) ::kill(pid_, signal);
}

std::optional<exit_status> parlor_process::wait_for_exit(std::chrono::milliseconds timeout) {
    if (ended_) return ended_;
    if (pid_ <= 0) return std::nullopt;
    ended_ = wait_child(pid_, timeout);
    if (ended_) join_reader();
    return ended_;
}

bool parlor_process::running() {
    return pid_ > 0 && !wait_for_exit(0ms);
}

exit_status parlor_process::stop(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) throw std::logic_error("parlor was never started");
    if (!running()) return *ended_;
    send_signal(SIGTERM);
    if (auto status = wait_for_exit(timeout)) return *status;
    return kill();
}

exit_status parlor_process::kill() {
    if (pid_ <= 0) return {};
    if (running()) {
        send_signal(SIGKILL);
        wait_for_exit(30s);
    }
    return ended_.value_or(exit_status{});
}

void parlor_process::restart() {
    auto status = stop();
    if (!status.clean()) {
        throw std::runtime_error("parlor did not stop cleanly (" + status.describe() +
                                 "); its output:\n" + log());
    }
    start();
}

void parlor_process::kill_and_restart() {
    if (!running()) throw std::logic_error("parlor is not running");
    kill();
    start();
}

std::filesystem::path parlor_process::as_seen_by_server(const std::filesystem::path& path) const {
    return std::filesystem::path("/proc") / std::to_string(pid_) / "root" /
           path.lexically_normal().relative_path();
}

std::vector<std::string> data_dir_on_tmpfs(const std::filesystem::path& dir, std::uint64_t bytes) {
    std::string unshare;
    for (const char* candidate : {"/usr/bin/unshare", "/bin/unshare", "/usr/sbin/unshare"}) {
        if (::access(candidate, X_OK) == 0) {
            unshare = candidate;
            break;
        }
    }
    if (unshare.empty()) {
        throw std::runtime_error(
            "cannot put the data directory on a tmpfs: `unshare` (util-linux) is not installed");
    }
    std::vector<std::string> command{unshare};
    if (::geteuid() != 0) {
        command.push_back("--user");
        command.push_back("--map-root-user");
    }
    for (const char* arg : {"--mount", "--propagation", "private", "--", "/bin/sh", "-c"})
        command.emplace_back(arg);
    // $1: the directory, $2: the size; what follows is the server's command line.
    command.emplace_back(
        "mkdir -p \"$1\" && mount -t tmpfs -o \"size=$2,mode=0700\" parlor-test \"$1\" || "
        "{ echo \"cannot mount a tmpfs of $2 bytes on $1\" >&2; exit 122; }; shift 2; "
        "exec \"$@\"");
    command.emplace_back("parlor-tmpfs");
    command.push_back(dir.string());
    command.push_back(std::to_string(bytes));
    return command;
}

std::string parlor_process::log() const {
    std::lock_guard lock(mutex_);
    return output_;
}

std::optional<std::string> parlor_process::wait_for_log(std::string_view needle,
                                                        std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<std::string> line;
    auto find_line = [&] {
        auto at = output_.find(needle, run_begins_at_);
        if (at == std::string::npos) return false;
        auto end = output_.find('\n', at);
        if (end == std::string::npos) return false;  // the line is not complete yet
        auto begin = output_.rfind('\n', at);
        begin = (begin == std::string::npos || begin < run_begins_at_) ? run_begins_at_ : begin + 1;
        line = output_.substr(begin, end - begin);
        return true;
    };
    output_changed_.wait_for(lock, timeout, [&] { return find_line() || output_closed_; });
    if (!line) find_line();
    return line;
}

}  // namespace parlor::itest
