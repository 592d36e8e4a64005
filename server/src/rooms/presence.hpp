#pragma once

#include <string_view>

namespace parlor::rooms {

// Who is online: a member is online while at least one of their sockets is attached.
// The realtime layer knows; the rooms layer only asks.
class presence {
  public:
    virtual ~presence() = default;
    virtual bool online(std::string_view member_id) const = 0;
};

}  // namespace parlor::rooms
