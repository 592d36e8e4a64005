#pragma once

#include <memory>

#include "app/config.hpp"

namespace parlor::app {

// The whole `parlor` process: opens the data directory and the store, applies
// migrations, serves until SIGINT/SIGTERM, then shuts down in order (stop accepting,
// finish in-flight requests, drain database work, close the store).
// Throws std::exception with an operator-readable message when it cannot start.
int run_server(const config& cfg);

}  // namespace parlor::app
