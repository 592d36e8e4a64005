#include "app/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "common/time.hpp"

namespace parlor::app {
namespace {

class json_line_formatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        using namespace std::chrono;
        auto at = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
        std::string_view text(msg.payload.data(), msg.payload.size());
        auto level = spdlog::level::to_string_view(msg.level);
        std::string line = R"({"time":")" + format_rfc3339(at) + R"(","level":")" +
                           std::string(level.data(), level.size()) + '"';
        if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
            if (text.size() > 2) line += "," + std::string(text.substr(1, text.size() - 2));
            line += "}\n";
        } else {
            line += R"(,"msg":)" +
                    nlohmann::json(std::string(text))
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                    "}\n";
        }
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<json_line_formatter>();
    }
};

}  // namespace

void init_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("parlor");
    logger->set_formatter(std::make_unique<json_line_formatter>());
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

}  // namespace parlor::app
