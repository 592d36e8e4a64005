#include "net/connection_limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace parlor::net {

namespace detail {
struct connection_counts {
    std::mutex mutex;
    std::size_t total = 0;
    std::unordered_map<std::string, std::size_t> per_client;
};
}  // namespace detail

connection_slot::connection_slot(std::shared_ptr<detail::connection_counts> counts,
                                 std::string client_key)
    : counts_(std::move(counts)), client_key_(std::move(client_key)) {}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
    if (this != &other) {
        release();
        counts_ = std::move(other.counts_);
        client_key_ = std::move(other.client_key_);
    }
    return *this;
}

connection_slot::~connection_slot() {
    release();
}

void connection_slot::release() noexcept {
    if (!counts_) return;
    {
        std::lock_guard lock(counts_->mutex);
        --counts_->total;
        if (!client_key_.empty()) {
            auto it = counts_->per_client.find(client_key_);
            if (it != counts_->per_client.end() && --it->second == 0) {
                counts_->per_client.erase(it);
            }
        }
    }
    counts_.reset();
}

connection_limiter::connection_limiter(std::size_t max_connections, std::size_t max_per_client)
    : max_connections_(max_connections),
      max_per_client_(max_per_client),
      counts_(std::make_shared<detail::connection_counts>()) {}

connection_admission connection_limiter::try_open(std::string_view client_key) {
    std::lock_guard lock(counts_->mutex);
    if (counts_->total >= max_connections_) return {{}, connection_refusal::server_full};
    if (!client_key.empty()) {
        auto [it, inserted] = counts_->per_client.try_emplace(std::string(client_key), 0);
        if (max_per_client_ > 0 && it->second >= max_per_client_) {
            return {{}, connection_refusal::client_full};
        }
        ++it->second;
    }
    ++counts_->total;
    return {connection_slot(counts_, std::string(client_key)), connection_refusal::none};
}

std::size_t connection_limiter::open_connections() const {
    std::lock_guard lock(counts_->mutex);
    return counts_->total;
}

std::uint64_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // An unlimited hard limit cannot be the soft one (the kernel caps it at nr_open).
        if (limit.rlim_max == RLIM_INFINITY || ::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            raised.rlim_cur = std::max<rlim_t>(limit.rlim_cur, 1 << 20);
            if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) raised.rlim_cur = limit.rlim_cur;
        }
        limit.rlim_cur = raised.rlim_cur;
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::uint64_t{1} << 20 : limit.rlim_cur;
}

std::size_t connections_for_descriptors(std::uint64_t descriptors, int db_threads) {
    std::uint64_t reserve = 64 + 4 * static_cast<std::uint64_t>(std::max(db_threads, 0));
    reserve = std::min(reserve, descriptors / 2);
    return static_cast<std::size_t>(std::max<std::uint64_t>(1, (descriptors - reserve) / 2));
}

}  // namespace parlor::net
