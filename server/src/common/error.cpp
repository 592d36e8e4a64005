#include "common/error.hpp"

namespace parlor {

std::string_view code_name(error_code code) {
    switch (code) {
        case error_code::bad_request:
            return "bad_request";
        case error_code::invalid_display_name:
            return "invalid_display_name";
        case error_code::room_not_found:
            return "room_not_found";
        case error_code::unauthorized:
            return "unauthorized";
        case error_code::forbidden:
            return "forbidden";
        case error_code::not_found:
            return "not_found";
        case error_code::method_not_allowed:
            return "method_not_allowed";
        case error_code::rate_limited:
            return "rate_limited";
        case error_code::payload_too_large:
            return "payload_too_large";
        case error_code::unavailable:
            return "unavailable";
        case error_code::internal:
            return "internal";
    }
    return "internal";
}

int http_status(error_code code) {
    switch (code) {
        case error_code::bad_request:
        case error_code::invalid_display_name:
            return 400;
        case error_code::unauthorized:
            return 401;
        case error_code::forbidden:
            return 403;
        case error_code::room_not_found:
        case error_code::not_found:
            return 404;
        case error_code::method_not_allowed:
            return 405;
        case error_code::payload_too_large:
            return 413;
        case error_code::rate_limited:
            return 429;
        case error_code::unavailable:
            return 503;
        case error_code::internal:
            return 500;
    }
    return 500;
}

}  // namespace parlor
