#include "realtime/call_report.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/error.hpp"

namespace parlor::realtime {
namespace {

const std::string call_id = "3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10";
const std::string peer_id = "0d2b4c6e-8f10-4c6f-9a7e-3f0c2a8e5b1d";

nlohmann::json valid_data() {
    return {{"callId", call_id}, {"peerId", peer_id}, {"firstMediaMs", 850}, {"path", "relay"}};
}

void expect_bad_request(const nlohmann::json& data) {
    try {
        read_call_report(data);
        ADD_FAILURE() << "accepted: " << data.dump();
    } catch (const error& e) {
        EXPECT_EQ(e.code(), error_code::bad_request) << data.dump();
    }
}

call_report report_with(media_path path, std::optional<std::int64_t> first_media_ms,
                        std::optional<std::string> ice_failure = std::nullopt) {
    return {call_id, peer_id, first_media_ms, path, std::move(ice_failure)};
}

// ---- validation ----

TEST(CallReport, AFullReportIsRead) {
    auto data = valid_data();
    data["iceFailure"] = "disconnected-timeout";

    auto report = read_call_report(data);

    EXPECT_EQ(report.call_id, call_id);
    EXPECT_EQ(report.peer_id, peer_id);
    EXPECT_EQ(report.first_media_ms, 850);
    EXPECT_EQ(report.path, media_path::relay);
    EXPECT_EQ(report.ice_failure, "disconnected-timeout");
}

TEST(CallReport, OnlyTheIdsAndThePathAreRequired) {
    auto report = read_call_report({{"callId", call_id}, {"peerId", peer_id}, {"path", "direct"}});

    EXPECT_EQ(report.path, media_path::direct);
    EXPECT_FALSE(report.first_media_ms.has_value());
    EXPECT_FALSE(report.ice_failure.has_value());
}

TEST(CallReport, NullOptionalFieldsAreAbsentOnesAndUnknownFieldsAreIgnored) {
    auto data = valid_data();
    data["firstMediaMs"] = nullptr;
    data["iceFailure"] = nullptr;
    data["candidateType"] = "srflx";

    auto report = read_call_report(data);

    EXPECT_FALSE(report.first_media_ms.has_value());
    EXPECT_FALSE(report.ice_failure.has_value());
}

TEST(CallReport, FirstMediaMsIsAWholeNumberFromZeroToTenMinutes) {
    for (auto ms : {0, 600000}) {
        auto data = valid_data();
        data["firstMediaMs"] = ms;
        EXPECT_EQ(read_call_report(data).first_media_ms, ms);
    }
    for (const auto& bad : {nlohmann::json(-1), nlohmann::json(600001), nlohmann::json(12.5),
                            nlohmann::json::parse("1e3"), nlohmann::json("850"),
                            nlohmann::json(true), nlohmann::json::parse("18446744073709551615")}) {
        auto data = valid_data();
        data["firstMediaMs"] = bad;
        expect_bad_request(data);
    }
}

TEST(CallReport, ThePathIsDirectOrRelay) {
    for (const auto& bad : {nlohmann::json("Relay"), nlohmann::json("turn"), nlohmann::json(""),
                            nlohmann::json(1), nlohmann::json(nullptr)}) {
        auto data = valid_data();
        data["path"] = bad;
        expect_bad_request(data);
    }
    auto data = valid_data();
    data.erase("path");
    expect_bad_request(data);
}

TEST(CallReport, TheIdsAreUuids) {
    for (const char* field : {"callId", "peerId"}) {
        SCOPED_TRACE(field);
        for (const auto& bad :
             {nlohmann::json("not-a-uuid"), nlohmann::json(""), nlohmann::json(42),
              nlohmann::json("3f0c2a8e5b1d4c6f9a7e0d2b4c6e8f10"),
              nlohmann::json("3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f1g"),
              nlohmann::json("3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10 ")}) {
            auto data = valid_data();
            data[field] = bad;
            expect_bad_request(data);
        }
        auto data = valid_data();
        data.erase(field);
        expect_bad_request(data);
    }
}

TEST(CallReport, AnIceFailureIsAShortLowercaseWord) {
    auto data = valid_data();
    data["iceFailure"] = std::string(64, 'a');
    EXPECT_EQ(read_call_report(data).ice_failure->size(), 64u);

    for (const auto& bad :
         {nlohmann::json(""), nlohmann::json(std::string(65, 'a')), nlohmann::json("ice failed"),
          nlohmann::json("Failed"), nlohmann::json("failed_timeout"), nlohmann::json(7),
          nlohmann::json::array({"failed"})}) {
        auto bad_data = valid_data();
        bad_data["iceFailure"] = bad;
        expect_bad_request(bad_data);
    }
}

TEST(CallReport, TheLogLineNamesWhoReportedWhat) {
    auto line = call_report_log(report_with(media_path::direct, 420, "failed"), "room-1", "ada");

    EXPECT_EQ(line, (nlohmann::json{{"event", "call_report"},
                                    {"room", "room-1"},
                                    {"member", "ada"},
                                    {"callId", call_id},
                                    {"peerId", peer_id},
                                    {"path", "direct"},
                                    {"firstMediaMs", 420},
                                    {"iceFailure", "failed"}}));
    auto bare = call_report_log(report_with(media_path::relay, std::nullopt), "room-1", "ada");
    EXPECT_FALSE(bare.contains("firstMediaMs"));
    EXPECT_FALSE(bare.contains("iceFailure"));
    EXPECT_EQ(bare["path"], "relay");
}

// ---- the aggregate ----

}  // namespace
}  // namespace parlor::realtime
