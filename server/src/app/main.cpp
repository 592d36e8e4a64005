#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/server.hpp"

int main(int argc, char** argv) {
    int exit_code = 0;
    auto cfg = parlor::app::parse_config(argc, argv, exit_code);
    if (!cfg) return exit_code;
    parlor::app::init_logging(cfg->log_level);
    try {
        return parlor::app::run_server(*cfg);
    } catch (const std::exception& e) {
        spdlog::critical("parlor cannot start: {}", e.what());
        return 1;
    }
}
