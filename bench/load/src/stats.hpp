#pragma once

// Numbers: latency percentiles, the server process's CPU time and memory, our own CPU time.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace load {

// Percentiles of a set of durations in nanoseconds (nearest rank), reported in ms.
struct latency_summary {
    std::size_t count = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};
latency_summary summarize(std::vector<std::uint64_t>& nanos);  // sorts `nanos`
nlohmann::json to_json(const latency_summary& s);

// CPU seconds (user + system, all threads) and resident memory of a process, from
// /proc/<pid>/stat and /proc/<pid>/status. nullopt when pid is 0 or the process is gone.
struct process_sample {
    double cpu_seconds = 0;
    long rss_kib = 0;
};
std::optional<process_sample> sample_process(int pid);

// A process and all its descendants (nginx: the master and its workers), from /proc: CPU
// seconds (user + system) and memory summed over them. VmHWM is each process's peak RSS
// since it started or since reset_peak_rss(). nullopt when pid is 0 or the process is gone.
struct tree_sample {
    double cpu_seconds = 0;
    long rss_kib = 0;
    long hwm_kib = 0;
    std::size_t processes = 0;
};
std::optional<tree_sample> sample_process_tree(int pid);

// Sets the peak RSS (VmHWM) of the process and its descendants back to their current RSS
// (writes 5 to /proc/<pid>/clear_refs, Linux 4.0+). False when that was refused.
bool reset_peak_rss(int pid);

// This process's CPU seconds (user + system), from getrusage.
double own_cpu_seconds();

// CPU seconds every process on the machine has used (all cores), from /proc/stat.
double machine_busy_seconds();

// Where the CPU went during a measurement: the server, this load generator, and anything
// else on the machine (which disturbs the numbers when it is large).
class cpu_meter {
  public:
    explicit cpu_meter(int server_pid) : pid_(server_pid) {}
    void start();
    void stop();
    double wall_seconds() const;
    // Server CPU seconds in the window; nullopt when the server's pid is unknown.
    std::optional<double> server_seconds() const;
    // Adds server_cpu_util, client_cpu_util and other_cpu_util (in cores) to `metrics`,
    // keys prefixed by `prefix`.
    void report(nlohmann::json& metrics, const std::string& prefix = {}) const;

  private:
    struct reading {
        double wall = 0, own = 0, machine = 0;
        std::optional<process_sample> server;
    };
    reading read() const;
    int pid_;
    reading a_, b_;
};

// The result of one scenario: one JSON line on stdout.
struct scenario_result {
    std::string scenario;
    nlohmann::json metrics = nlohmann::json::object();
    nlohmann::json checks = nlohmann::json::object();
    std::vector<std::string> failures;  // any entry: not a valid result
    std::vector<std::string> notes;

    void fail(std::string why);
    nlohmann::json to_json() const;
};

}  // namespace load
