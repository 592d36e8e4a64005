#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::bus {

// One event for the sockets of a room. The frame is serialized once and shared by every
// socket it goes to.
struct room_event {
    std::string room_id;
    std::shared_ptr<const std::string> frame;
    std::string only_member = {};    // set: only this member's sockets (signals)
    std::string except_member = {};  // set: everyone but this member (member:joined, member:left)
    std::string closes_member = {};  // set: this member left the room; their sockets close
    bool call_changed = false;       // a call:* event: cached call rosters of the room are stale
    std::string close_reason = {};   // with closes_member: the close frame's reason ("" : left)
    // Not to this socket of this instance, which had its own copy with its request's rid.
    // Never leaves the process.
    const void* except_socket = nullptr;
};

// Every room event passes through the bus, so that each instance delivers it to the
// sockets it holds: in-process with one instance, Redis pub/sub between several. An
// instance hears a room's events from the others once it watches the room (while it holds
// sockets in it). Thread-safe.
class event_bus {
  public:
    using handler = std::function<void(const room_event&)>;
    virtual ~event_bus() = default;

    // This instance's handlers get the event at once, on the caller's thread; the other
    // instances watching the room get it soon after.
    virtual void publish(const room_event& event) = 0;
    // Handlers are added at startup, before any event is published.
    virtual void subscribe(handler h) = 0;
    // From `ready` on, events the other instances publish in the room reach the handlers
    // (at once with one instance). Watching twice is harmless.
    virtual void watch_room(const std::string& room_id, std::function<void()> ready) = 0;
    // Stops hearing the room, unless `still_held` (see on_resync) says it is held again.
    virtual void unwatch_room(const std::string& room_id) = 0;
    // Events of the room may have been lost (the bus was cut off): the sockets in it should
    // resync. `held` says whether this instance still holds sockets in a room. Set at
    // startup.
    virtual void on_resync(std::function<void(const std::string& room_id)> resync,
                           std::function<bool(const std::string& room_id)> held) = 0;
    // For /api/health: "ok", "error" (cut off from the others), or "disabled" (in-process).
    virtual std::string_view health() const = 0;
};

class in_process_bus final : public event_bus {
  public:
    void publish(const room_event& event) override {
        for (const auto& h : handlers_) h(event);
    }
    void subscribe(handler h) override { handlers_.push_back(std::move(h)); }
    void watch_room(const std::string&, std::function<void()> ready) override { ready(); }
    void unwatch_room(const std::string&) override {}
    void on_resync(std::function<void(const std::string&)>,
                   std::function<bool(const std::string&)>) override {}
    std::string_view health() const override { return "disabled"; }

  private:
    std::vector<handler> handlers_;
};

}  // namespace parlor::bus
