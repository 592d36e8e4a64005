#include "stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace load {

latency_summary summarize(std::vector<std::uint64_t>& nanos) {
    latency_summary s;
    s.count = nanos.size();
    if (nanos.empty()) return s;
    std::sort(nanos.begin(), nanos.end());
    auto at = [&](double p) {
        auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(nanos.size())));
        return static_cast<double>(nanos[std::clamp<std::size_t>(rank, 1, nanos.size()) - 1]) / 1e6;
    };
    s.p50_ms = at(0.50);
    s.p90_ms = at(0.90);
    s.p99_ms = at(0.99);
    s.p999_ms = at(0.999);
    s.max_ms = static_cast<double>(nanos.back()) / 1e6;
    long double sum = 0;
    for (auto n : nanos) sum += n;
    s.mean_ms = static_cast<double>(sum / nanos.size() / 1e6L);
    return s;
}

nlohmann::json to_json(const latency_summary& s) {
    return {{"count", s.count},    {"p50_ms", s.p50_ms},   {"p90_ms", s.p90_ms},
            {"p99_ms", s.p99_ms},  {"p999_ms", s.p999_ms}, {"max_ms", s.max_ms},
            {"mean_ms", s.mean_ms}};
}

std::optional<process_sample> sample_process(int pid) {
    if (pid <= 0) return std::nullopt;
    process_sample out;
    {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(stat, line)) return std::nullopt;
        // The command name (field 2) may hold spaces: count fields after its ')'.
        auto close = line.rfind(')');
        if (close == std::string::npos) return std::nullopt;
        std::istringstream fields(line.substr(close + 2));
        std::string field;
        unsigned long long utime = 0, stime = 0;
        // Fields 3.. : state is field 3; utime is 14, stime 15.
        for (int index = 3; index <= 15 && fields >> field; ++index) {
            if (index == 14) utime = std::stoull(field);
            if (index == 15) stime = std::stoull(field);
        }
        out.cpu_seconds =
            static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string key;
        while (status >> key) {
            if (key == "VmRSS:") {
                status >> out.rss_kib;
                break;
            }
            std::string rest;
            std::getline(status, rest);
        }
    }
    return out;
}

namespace {

// Fields 3.. of /proc/<pid>/stat (after the command name, which may hold spaces).
std::vector<std::string> stat_fields(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return {};
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 > line.size()) return {};
    std::istringstream in(line.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string field; in >> field;) fields.push_back(std::move(field));
    return fields;
}

// `pid` and every process below it.
std::vector<int> process_tree(int pid) {
    std::map<int, std::vector<int>> children;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto fields = stat_fields(std::stoi(name));
        if (fields.size() > 1) children[std::stoi(fields[1])].push_back(std::stoi(name));
    }
    std::vector<int> tree{pid};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        for (int child : children[tree[i]]) tree.push_back(child);
    }
    return tree;
}

}  // namespace

std::optional<tree_sample> sample_process_tree(int pid) {
    if (pid <= 0) return std::nullopt;
    tree_sample out;
    for (int p : process_tree(pid)) {
        auto fields = stat_fields(p);
        if (fields.size() < 13) {
            if (p == pid) return std::nullopt;
            continue;  // a child that has just gone
        }
        // utime and stime are fields 14 and 15 of the line: 11 and 12 here.
        out.cpu_seconds += static_cast<double>(std::stoull(fields[11]) + std::stoull(fields[12])) /
                           static_cast<double>(::sysconf(_SC_CLK_TCK));
        std::ifstream status("/proc/" + std::to_string(p) + "/status");
        std::string key;
        while (status >> key) {
            long value = 0;
            if (key == "VmRSS:" && status >> value) out.rss_kib += value;
            if (key == "VmHWM:" && status >> value) out.hwm_kib += value;
            std::string rest;
            std::getline(status, rest);
        }
        ++out.processes;
    }
    return out;
}

bool reset_peak_rss(int pid) {
    if (pid <= 0) return false;
    bool all = true;
    for (int p : process_tree(pid)) {
        std::ofstream clear("/proc/" + std::to_string(p) + "/clear_refs");
        clear << "5";
        clear.flush();
        if (!clear) all = false;
    }
    return all;
}

double own_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double machine_busy_seconds() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return static_cast<double>(user + nice + system + irq + softirq + steal) /
           static_cast<double>(::sysconf(_SC_CLK_TCK));
}

cpu_meter::reading cpu_meter::read() const {
    reading r;
    r.wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    r.own = own_cpu_seconds();
    r.machine = machine_busy_seconds();
    r.server = sample_process(pid_);
    return r;
}

void cpu_meter::start() {
    a_ = read();
}
void cpu_meter::stop() {
    b_ = read();
}
double cpu_meter::wall_seconds() const {
    return b_.wall - a_.wall;
}

std::optional<double> cpu_meter::server_seconds() const {
    if (!a_.server || !b_.server) return std::nullopt;
    return b_.server->cpu_seconds - a_.server->cpu_seconds;
}

void cpu_meter::report(nlohmann::json& metrics, const std::string& prefix) const {
    double wall = wall_seconds();
    if (wall <= 0) return;
    double own = b_.own - a_.own;
    metrics[prefix + "client_cpu_util"] = own / wall;
    if (auto server = server_seconds()) {
        metrics[prefix + "server_cpu_util"] = *server / wall;
        // Jiffies are coarse (10 ms): small negatives are rounding.
        double other = std::max(0.0, (b_.machine - a_.machine) - *server - own);
        metrics[prefix + "other_cpu_util"] = other / wall;
    }
}

void scenario_result::fail(std::string why) {
    if (failures.size() < 20) failures.push_back(std::move(why));
}

nlohmann::json scenario_result::to_json() const {
    return {{"scenario", scenario}, {"ok", failures.empty()}, {"metrics", metrics},
            {"checks", checks},     {"failures", failures},   {"notes", notes}};
}

}  // namespace load
