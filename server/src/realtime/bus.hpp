#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parlor::realtime {

// One event for the sockets of a room. The frame is serialized once and shared by every
// socket it goes to.
struct room_event {
    std::string room_id;
    std::shared_ptr<const std::string> frame;
    std::string only_member;    // set: only this member's sockets (signals)
    std::string except_member;  // set: everyone but this member (member:joined)
    std::string closes_member;  // set: this member left the room; their sockets close
    bool call_changed = false;  // a call:* event: cached call rosters of the room are stale
};

// Every room event passes through the bus, so that each instance delivers it to the
// sockets it holds. In-process today; Redis pub/sub carries it between instances later.
class bus {
  public:
    using handler = std::function<void(const room_event&)>;
    virtual ~bus() = default;
    virtual void publish(const room_event& event) = 0;
    // Handlers are added at startup, before any event is published.
    virtual void subscribe(handler h) = 0;
};

class in_process_bus final : public bus {
  public:
    void publish(const room_event& event) override {
        for (const auto& h : handlers_) h(event);
    }
    void subscribe(handler h) override { handlers_.push_back(std::move(h)); }

  private:
    std::vector<handler> handlers_;
};

}  // namespace parlor::realtime
