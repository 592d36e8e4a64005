#pragma once

#include <string>

namespace parlor::rooms {

// Who is asking, as the realtime layer knows after `room:join` authenticated the socket.
struct caller {
    std::string room_id;
    std::string member_id;
    std::string room_creator_id;
};

}  // namespace parlor::rooms
