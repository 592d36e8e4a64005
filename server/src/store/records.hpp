#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace parlor::store {

struct room_record {
    std::string id;
    std::string code;  // canonical form, see rooms/room_code.hpp
    millis created_at = 0;
    std::string created_by;  // member id of the creator
};

struct member_record {
    std::string id;
    std::string room_id;
    std::string display_name;
    millis joined_at = 0;
    std::optional<millis> left_at;
};

struct participant_record {
    std::string member_id;
    millis joined_at = 0;
};

// An active call. `participants` are those in it now, in the order they joined.
struct call_record {
    std::string id;
    std::string room_id;
    std::string started_by;
    millis started_at = 0;
    std::vector<participant_record> participants;
};

}  // namespace parlor::store
