#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace parlor {

// Milliseconds since the Unix epoch, UTC. The store keeps times in this form; the edge
// formats them as RFC 3339.
using millis = std::int64_t;

// The source of "now", injectable so that tests can move time.
class clock {
  public:
    virtual ~clock() = default;
    virtual millis now() const = 0;
};

class system_clock final : public clock {
  public:
    millis now() const override;
};

// "2026-11-25T20:33:06.123Z"
std::string format_rfc3339(millis at);

}  // namespace parlor
