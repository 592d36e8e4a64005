// What a socket reads before anything else: the envelope {"type","data","rid"}, and the
// telemetry frame's data. Whatever the bytes, the answer is the envelope or a bad_request
// the client can read, the error frame sent back is valid JSON, and what is read is JSON
// (RFC 8259; nlohmann alone reads up to a NUL byte and ignores the rest).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/json_scan.hpp"
#include "fuzz_check.hpp"
#include "realtime/call_report.hpp"
#include "realtime/frames.hpp"

using namespace parlor;

namespace {

void error_frame_is_json(const error& failure, const nlohmann::json& rid, std::string_view text) {
    auto frame = nlohmann::json::parse(*realtime::error_frame(failure, rid), nullptr, false);
    fuzz::check(frame.is_object() && frame["type"] == "error", "the error frame is not JSON", text);
    fuzz::check(frame["data"]["code"].is_string() && frame["data"]["message"].is_string(),
                "the error frame lacks its code or message", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    realtime::envelope msg;
    try {
        realtime::read_envelope(text, msg);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::bad_request, "refused with another code", text);
        fuzz::check(msg.rid.is_null() || msg.rid.is_string() || msg.rid.is_number(),
                    "an error carries a rid of the wrong type", text);
        error_frame_is_json(refused, msg.rid, text);
        return 0;
    }
    fuzz::check(msg.data.is_object(), "data is not an object", text);
    json_scan::object_view view;
    fuzz::check(json_scan::scan_object(text, view, 100'000) == json_scan::scan_result::object,
                "an envelope read from text that is not a JSON object", text);
    fuzz::check(msg.rid.is_null() || msg.rid.is_string() || msg.rid.is_number(),
                "the rid is of the wrong type", text);
    fuzz::check(realtime::readable_rid(text) == msg.rid, "the rate-limit refusal's rid differs",
                text);
    try {
        auto report = realtime::read_call_report(msg.data);
        auto line = realtime::call_report_log(report, "room", "member");
        fuzz::check(!line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).empty(),
                    "an empty log line", text);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::bad_request, "a report refused with another code",
                    text);
        error_frame_is_json(refused, msg.rid, text);
    }
    return 0;
}
