#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace parlor::store {

enum class start_outcome { started, call_active };
enum class join_outcome { joined, already_in, full, not_active };
// Which quota a new file would pass, if any.
enum class quota_verdict { within, too_many_files, too_many_bytes };
struct quota_check {
    quota_verdict verdict = quota_verdict::within;
    room_usage usage;  // what the room held before this file
};
enum class complete_outcome { completed, not_pending, too_many_files, too_many_bytes };
enum class post_outcome { posted, room_full, not_member };
struct leave_outcome {
    bool was_participant = false;
    bool call_ended = false;
    std::int64_t seq = 0;  // the number of its last event (see metadata_store), 0: none
};

// The source of truth for rooms, members, calls and files. Every call blocks on the
// database: callers on network threads must hop to the blocking pool first.
// Implementations throw parlor::error(unavailable) when the database cannot be reached.
//
// Room events are numbered per room in the order their changes commit (protocol.md "seq"):
// a change that makes events takes their numbers in its own transaction and, given `seq`,
// sets it to the last of them (left alone when it made none).
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
    virtual std::optional<room_record> find_room_by_id(std::string_view room_id) = 0;

    // Adds a new member unless the room is locked (false, nothing written): checked and
    // written in one transaction, so a join racing a lock is either in before it or refused.
    virtual bool insert_member(const member_record& member) = 0;
    virtual std::optional<member_record> find_member(std::string_view member_id) = 0;
    virtual void rename_member(std::string_view member_id, std::string_view display_name) = 0;
    // The member leaves the room (`removed`: by the room's creator; their hand goes down);
    // false when they had left already. One event (member:left).
    virtual bool mark_member_left(std::string_view member_id, millis at,
                                  std::int64_t* seq = nullptr, bool removed = false) = 0;
    // Locks or unlocks the room; false when it already was so. One event (room:updated).
    virtual bool set_room_locked(std::string_view room_id, bool locked,
                                 std::int64_t* seq = nullptr) = 0;
    // Raises the member's hand at `raised_at`, or lowers it (nullopt); false when it already
    // was so, or the member has left. One event (member:updated).
    virtual bool set_hand(std::string_view member_id, std::optional<millis> raised_at,
                          std::int64_t* seq = nullptr) = 0;
    // Members who have not left, in the order they joined.
    virtual std::vector<member_record> present_members(std::string_view room_id) = 0;
    // What a room's snapshot shows, read in one transaction so that the parts agree (no
    // call participant who is not among the members, no file of a member not yet there).
    struct room_contents {
        std::optional<call_record> call;
        std::vector<file_record> files;  // visible, oldest first
        std::vector<member_record> members;
        std::vector<message_record> messages;  // the latest chat_history_in_snapshot, oldest first
        std::int64_t seq = 0;  // the number of the room's last event, which this reflects
        bool locked = false;   // the room's lock at that point
    };
    virtual room_contents read_room_contents(std::string_view room_id) = 0;
    static constexpr int chat_history_in_snapshot = 100;

    // Calls. Each transition is one transaction; the database's unique index keeps one
    // active call per room even when several instances race.
    virtual std::optional<call_record> active_call(std::string_view room_id) = 0;
    // Every room's active call (at startup, to resume their grace periods).
    virtual std::vector<call_record> active_calls() = 0;
    // How many calls are active, in every room (for the metrics).
    virtual std::int64_t count_active_calls() = 0;
    // Starts `call` with its starter as the first participant, unless the room already
    // has an active call.
    // One event each (call:started, call:participant-joined).
    virtual start_outcome start_call(const call_record& call, std::int64_t* seq = nullptr) = 0;
    virtual join_outcome join_call(std::string_view call_id, std::string_view member_id, millis at,
                                   int capacity, std::int64_t* seq = nullptr) = 0;
    // Removes the member from the call; the call ends (reason "empty") with its last one.
    // One event, two when it ends the call.
    virtual leave_outcome leave_call(std::string_view call_id, std::string_view member_id,
                                     millis at, std::string_view reason) = 0;
    // Ends the call for everyone; false when it had already ended. One event.
    virtual bool end_call(std::string_view call_id, millis at, std::string_view reason,
                          std::string_view ended_by, std::int64_t* seq = nullptr) = 0;
    // The number of one event that changes nothing here (presence: member:joined, and
    // member:left when they went offline).
    virtual std::int64_t number_event(std::string_view room_id) = 0;

    // Files. A prepared file is invisible until completed; completing is idempotent.
    // Inserts the prepared file unless its room would then pass `quota`, counting the
    // room's visible files and the uploads under way (link not expired at
    // `file.created_at`). Counted and written in one transaction, so that uploads
    // prepared at once cannot together overshoot the quota.
    virtual quota_check insert_prepared_file(const file_record& file, const room_quota& quota) = 0;
    virtual std::optional<file_record> find_file(std::string_view file_id) = 0;
    // Makes the file visible unless the room's visible files would then pass `quota`
    // (possible when the quota was lowered, or the link expired and its place was taken);
    // not_pending when it already was visible (or is gone).
    // One event (file:added).
    virtual complete_outcome complete_file(std::string_view file_id, millis at,
                                           const room_quota& quota,
                                           std::int64_t* seq = nullptr) = 0;
    // The room's visible files, oldest first.
    virtual std::vector<file_record> room_files(std::string_view room_id) = 0;
    // Prepared files whose upload URL expired before `now`, at most `limit` of them.
    virtual std::vector<file_record> expired_prepared_files(millis now, int limit) = 0;
    // Forgets a prepared file; false when it was completed meanwhile (then it stays).
    virtual bool delete_prepared_file(std::string_view file_id) = 0;
    // Whether a prepared, not yet completed file has this storage key.
    virtual bool upload_pending(std::string_view storage_key) = 0;

    // Chat. Stores the message, numbered as its room's next event (message.seq and
    // author_name are set), unless the room already holds `room_max_messages` or its author
    // has left. One event (chat:message).
    virtual post_outcome insert_message(message_record& message,
                                        std::int64_t room_max_messages) = 0;
    // Up to `limit` of the room's messages written just before message `before_id` (the
    // latest ones when it is empty), oldest first; nullopt when `before_id` is not a message
    // of this room.
    virtual std::optional<std::vector<message_record>> messages_before(std::string_view room_id,
                                                                       std::string_view before_id,
                                                                       int limit) = 0;

    // Retention. A room's last activity is kept by the store itself: its creation, a
    // member joining, a file completed, a call started or joined; touch_room() records
    // any other (a member coming back, a room found in use).
    virtual void touch_room(std::string_view room_id, millis at) = 0;
    // Rooms with no activity since `before` and no active call, at most `limit`.
    virtual std::vector<std::string> idle_rooms(millis before, int limit) = 0;
    // Deletes the room with its members, calls and files if it is still idle (no activity
    // since `before`, no active call); returns the storage keys of its files, whose bytes
    // the caller removes. nullopt when it was no longer idle (or is gone).
    virtual std::optional<std::vector<std::string>> delete_idle_room(std::string_view room_id,
                                                                     millis before) = 0;
};

}  // namespace parlor::store
