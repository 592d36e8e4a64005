#pragma once

#include "common/time.hpp"

namespace parlor::testing {

// A clock that moves only when the test says so.
class manual_clock final : public clock {
  public:
    explicit manual_clock(millis start = 1'795'000'000'000) : now_(start) {}
    millis now() const override { return now_; }
    void advance(millis by) { now_ += by; }

  private:
    millis now_;
};

}  // namespace parlor::testing
