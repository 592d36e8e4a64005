#include "realtime/relay_budget.hpp"

#include <algorithm>

namespace parlor::realtime {

relay_budget::relay_budget(std::size_t bytes_per_second, std::size_t burst, time_point now)
    : bytes_per_second_(static_cast<double>(bytes_per_second)),
      burst_(static_cast<double>(burst)),
      available_(burst_),
      refilled_at_(now) {}

bool relay_budget::spend(std::size_t bytes, time_point now) {
    std::lock_guard lock(mutex_);
    if (now > refilled_at_) {
        double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
        available_ = std::min(burst_, available_ + elapsed * bytes_per_second_);
        refilled_at_ = now;
    }
    auto wanted = static_cast<double>(bytes);
    if (available_ < wanted) return false;
    available_ -= wanted;
    return true;
}

}  // namespace parlor::realtime
