// The JSON scanner against the general path's parse_json (nlohmann), its reference: whatever
// the bytes, both agree on whether they are JSON, whether an object, and what each member
// holds (the same differential as unit/common/json_scan_test.cpp, on inputs a fuzzer finds).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_scan.hpp"
#include "common/json_text.hpp"
#include "fuzz_check.hpp"

using namespace parlor;
using nlohmann::json;

namespace {

void members_match(const json_scan::object_view& view, const json& reference,
                   std::string_view text) {
    if (view.truncated || view.escaped_keys) return;
    std::set<std::string_view> keys;
    for (std::size_t i = 0; i < view.count; ++i) keys.insert(view.members[i].key);
    fuzz::check(keys.size() == reference.size(), "member count differs from nlohmann", text);
    for (const auto& [key, value] : reference.items()) {
        auto found = view.find(key);
        fuzz::check(found.has_value(), "a member nlohmann reads is missing", text);
        auto member = json::parse(*found, nullptr, false);
        fuzz::check(!member.is_discarded() && member == value, "a member's value differs", text);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto reference = parse_json(text);

    json_scan::object_view view, inner;
    bool inner_found = false;
    auto result = json_scan::scan_object(text, view, "data", inner, inner_found);
    if (reference.is_discarded()) {
        // nlohmann's depth is unbounded; the scanner stops at 64 and says invalid, which is
        // never looser. Anything else nlohmann refuses, the scanner refuses.
        fuzz::check(result == json_scan::scan_result::invalid, "accepted what nlohmann refuses",
                    text);
        return 0;
    }
    if (result == json_scan::scan_result::invalid) {
        // Only nesting past the scanner's limit may separate them.
        json_scan::object_view deep;
        fuzz::check(json_scan::scan_object(text, deep, 100'000) != json_scan::scan_result::invalid,
                    "refused valid JSON", text);
        return 0;
    }
    if (!reference.is_object()) {
        fuzz::check(result == json_scan::scan_result::not_object, "a non-object read as an object",
                    text);
        return 0;
    }
    fuzz::check(result == json_scan::scan_result::object, "an object not read as one", text);
    members_match(view, reference, text);
    // The inner object is the last "data" member's, when that one is an object (what
    // nlohmann keeps of duplicates); an earlier one may be reported when it is not.
    if (!view.truncated && !view.escaped_keys) {
        auto data_member = reference.find("data");
        if (data_member != reference.end() && data_member->is_object()) {
            fuzz::check(inner_found, "the inner object was not found", text);
            members_match(inner, *data_member, text);
        }
    }

    // Plain strings read back as nlohmann reads them; quoting round-trips.
    for (std::size_t i = 0; i < view.count; ++i) {
        if (auto plain = json_scan::plain_string(view.members[i].value)) {
            fuzz::check(json::parse(view.members[i].value).get<std::string>() == *plain,
                        "a plain string differs", text);
            std::string quoted;
            json_scan::append_quoted(quoted, *plain);
            fuzz::check(json::parse(quoted).get<std::string>() == *plain,
                        "quoting does not round-trip", text);
        }
    }
    return 0;
}
