#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parlor::auth {

rate_limiter::rate_limiter(int per_minute, const clock& clock)
    : per_minute_(per_minute), clock_(clock) {}

std::optional<int> rate_limiter::acquire(std::string_view key) {
    if (per_minute_ <= 0) return std::nullopt;
    const double capacity = per_minute_;
    const double per_ms = capacity / 60'000.0;
    std::lock_guard lock(mutex_);
    millis now = clock_.now();
    forget_full_buckets(now);
    auto [it, inserted] = buckets_.try_emplace(std::string(key), bucket{capacity, now});
    bucket& b = it->second;
    b.tokens = std::min(capacity, b.tokens + static_cast<double>(now - b.refilled_at) * per_ms);
    b.refilled_at = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return std::nullopt;
    }
    double wait_ms = (1.0 - b.tokens) / per_ms;
    return std::max(1, static_cast<int>(std::ceil(wait_ms / 1000.0)));
}

// A bucket that would be full again carries no information: drop it, so that memory is
// bounded by the clients seen in the last minute.
void rate_limiter::forget_full_buckets(millis now) {
    if (now - last_sweep_ < 60'000) return;
    last_sweep_ = now;
    std::erase_if(buckets_,
                  [&](const auto& entry) { return now - entry.second.refilled_at >= 60'000; });
}

}  // namespace parlor::auth
