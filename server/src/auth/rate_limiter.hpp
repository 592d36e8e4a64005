#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/time.hpp"

namespace parlor::auth {

// A token bucket per key (the client IP): `per_minute` requests a minute, bursts up to
// the same number. `per_minute == 0` turns the limit off. Thread-safe.
class rate_limiter {
  public:
    rate_limiter(int per_minute, const clock& clock);

    // nullopt when the request may go ahead; otherwise the whole seconds to wait.
    std::optional<int> acquire(std::string_view key);

  private:
    struct bucket {
        double tokens;
        millis refilled_at;
    };
    void forget_full_buckets(millis now);

    int per_minute_;
    const clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, bucket> buckets_;
    millis last_sweep_ = 0;
};

}  // namespace parlor::auth
