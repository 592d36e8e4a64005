#pragma once

#include <optional>
#include <string>

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

}  // namespace parlor::store
