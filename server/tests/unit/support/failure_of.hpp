#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"

namespace parlor::testing {

// The protocol code a call fails with; a test failure (and `internal`) if it succeeds.
inline error_code failure_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const error& e) {
        return e.code();
    }
    ADD_FAILURE() << "the call succeeded";
    return error_code::internal;
}

}  // namespace parlor::testing
