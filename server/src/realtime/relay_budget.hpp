#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

namespace parlor::realtime {

// How many bytes of signals one member may have relayed to others: a token bucket that
// refills at `bytes_per_second` and holds up to `burst` bytes. Shared by the member's
// sockets on this instance, which may live on different threads: thread-safe.
//
// It bounds what one sender can pour into a peer's socket, so that a peer reading at
// that pace never falls behind its queue cap because of them (the message rate alone
// allowed 100 signals of 64 KiB a second). Legitimate signalling (offers of 5-20 KB to a
// few peers, ICE candidates of a few hundred bytes) stays far below it.
class relay_budget {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    relay_budget(std::size_t bytes_per_second, std::size_t burst, time_point now);

    // Takes `bytes` when the bucket holds them (true); otherwise takes nothing (false).
    bool spend(std::size_t bytes, time_point now);

  private:
    std::mutex mutex_;
    double bytes_per_second_;
    double burst_;
    double available_;
    time_point refilled_at_;
};

}  // namespace parlor::realtime
