#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace parlor::store {

// The source of truth for rooms, members, calls and files. Every call blocks on the
// database: callers on network threads must hop to the blocking pool first.
// Implementations throw parlor::error(unavailable) when the database cannot be reached.
class metadata_store {
  public:
    virtual ~metadata_store() = default;

    // Cheap round trip for the health check.
    virtual void check() = 0;

    // Inserts the room and its first member in one transaction. False, with nothing
    // written, when another room already has `room.code`.
    virtual bool insert_room_with_creator(const room_record& room,
                                          const member_record& creator) = 0;
    virtual std::optional<room_record> find_room_by_code(std::string_view code) = 0;

    virtual void insert_member(const member_record& member) = 0;
    virtual std::optional<member_record> find_member(std::string_view member_id) = 0;
    virtual void rename_member(std::string_view member_id, std::string_view display_name) = 0;
    virtual void mark_member_left(std::string_view member_id, millis at) = 0;
    // Members who have not left, in the order they joined.
    virtual std::vector<member_record> present_members(std::string_view room_id) = 0;
};

}  // namespace parlor::store
