#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace parlor::realtime {

// The realtime protocol's frames, without network types: what the socket reads
// ({"type","data"?,"rid"?}) and what it sends ({"type","data"}).

struct envelope {
    std::string type;
    nlohmann::json data;  // always an object
    nlohmann::json rid;   // a string or a number; null when absent
};

// Reads a client frame. Throws parlor::error(bad_request) saying what is wrong; `msg.rid`
// is set before anything else is checked, so that the error can carry it.
void read_envelope(std::string_view text, envelope& msg);

// The frame's rid when the text is an object with a valid one; null otherwise (a refusal
// that does not read the frame any further still answers with the rid).
nlohmann::json readable_rid(std::string_view text);

// A member of `data`, null when absent.
const nlohmann::json& field(const nlohmann::json& data, const char* name);

// A member that must be a non-empty string. Throws bad_request naming it otherwise.
std::string required_string(const nlohmann::json& data, const char* name);
// A member that may be absent (or null: then ""), else a string; bad_request otherwise.
std::string optional_string(const nlohmann::json& data, const char* name);
// A member that must be true or false; bad_request otherwise.
bool required_bool(const nlohmann::json& data, const char* name);

// One text frame: {"type","data"}, and "seq" when given (a room-wide event's number).
std::shared_ptr<const std::string> make_frame(const std::string& type, const nlohmann::json& data,
                                              std::int64_t seq = 0);

// {"type":"error","data":{"code","message","rid"?}}.
std::shared_ptr<const std::string> error_frame(const error& failure, const nlohmann::json& rid);

}  // namespace parlor::realtime
