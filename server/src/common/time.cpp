#include "common/time.hpp"

#include <cstdio>
#include <ctime>

namespace parlor {

millis system_clock::now() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(millis at) {
    std::time_t seconds = static_cast<std::time_t>(at / 1000);
    int ms = static_cast<int>(at % 1000);
    if (ms < 0) {
        ms += 1000;
        seconds -= 1;
    }
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
    return buf;
}

}  // namespace parlor
