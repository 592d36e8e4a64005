#pragma once

#include <sstream>

// What the integration test files share: a fixture that starts a fresh `parlor` per test,
// shortcuts for the REST calls, and checks for the protocol's formats.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

#include "http_client.hpp"
#include "parlor_process.hpp"

namespace parlor::itest {

inline const std::regex room_code_format{
    "^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$"};
inline const std::regex uuid_format{
    "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"};
inline const std::regex rfc3339_utc_format{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$)"};

inline bool is_room_code(const nlohmann::json& v) {
    return v.is_string() && std::regex_match(v.get<std::string>(), room_code_format);
}
inline bool is_uuid(const nlohmann::json& v) {
    return v.is_string() && std::regex_match(v.get<std::string>(), uuid_format);
}

// An RFC 3339 UTC time ("…Z") as a time point; nullopt for anything else.
inline std::optional<std::chrono::system_clock::time_point> parse_utc_time(
    const nlohmann::json& v) {
    if (!v.is_string()) return std::nullopt;
    auto text = v.get<std::string>();
    if (!std::regex_match(text, rfc3339_utc_format)) return std::nullopt;
    std::tm fields{};
    int millis = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &fields.tm_year, &fields.tm_mon,
                    &fields.tm_mday, &fields.tm_hour, &fields.tm_min, &fields.tm_sec) != 6) {
        return std::nullopt;
    }
    if (auto dot = text.find('.'); dot != std::string::npos) {
        auto digits = text.substr(dot + 1, 3);
        while (digits.size() < 3) digits += '0';
        millis = std::stoi(digits);
    }
    fields.tm_year -= 1900;
    fields.tm_mon -= 1;
    std::time_t seconds = ::timegm(&fields);
    return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

// Seconds between `v` (an RFC 3339 time) and now; positive in the future.
inline std::optional<double> seconds_from_now(const nlohmann::json& v) {
    auto at = parse_utc_time(v);
    if (!at) return std::nullopt;
    return std::chrono::duration<double>(*at - std::chrono::system_clock::now()).count();
}

// The protocol's error reply: this status, `{"error":{"code":code,"message":"…"}}` and
// nothing else, as JSON.
inline ::testing::AssertionResult is_error(const http_reply& r, int status,
                                           const std::string& code) {
    if (r.status != status) {
        return ::testing::AssertionFailure()
               << "status " << r.status << " instead of " << status << "; body: " << r.body;
    }
    auto type = r.header("Content-Type").value_or("");
    if (!type.starts_with("application/json"))
        return ::testing::AssertionFailure() << "Content-Type is '" << type << "'";
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object() || body.size() != 1 || !body.contains("error") ||
        !body["error"].is_object()) {
        return ::testing::AssertionFailure() << "not an error envelope: " << r.body;
    }
    const auto& error = body["error"];
    if (!error.contains("code") || error["code"] != code) {
        return ::testing::AssertionFailure() << "error code is not '" << code << "': " << r.body;
    }
    if (!error.contains("message") || !error["message"].is_string() ||
        error["message"].get<std::string>().empty()) {
        return ::testing::AssertionFailure() << "the error has no message: " << r.body;
    }
    return ::testing::AssertionSuccess();
}

// `parlor <args> --port 0 --data-dir data` stops at the start with a failing status and
// says `expected` (in its log or on stderr).
inline ::testing::AssertionResult refuses_to_start(std::vector<std::string> args,
                                                   const std::string& expected) {
    auto shown = args.empty() ? std::string("no flags") : args[0];
    args.insert(args.end(), {"--port", "0", "--data-dir", "data"});
    auto run = run_parlor(args);
    if (!run.status.exited || run.status.code == 0) {
        return ::testing::AssertionFailure() << shown << ": " << run.status.describe() << "\n"
                                             << run.out << run.err;
    }
    if ((run.out + run.err).find(expected) == std::string::npos) {
        return ::testing::AssertionFailure() << shown << ": no '" << expected << "' in\n"
                                             << run.out << run.err;
    }
    return ::testing::AssertionSuccess();
}

inline header_list bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

inline std::string name_body(const std::string& display_name) {
    return nlohmann::json{{"displayName", display_name}}.dump();
}

// A room created or joined: what a client keeps.
struct admission {
    std::string room_id;
    std::string code;
    std::string member_id;
    std::string display_name;
    std::string token;
    nlohmann::json body;
};

inline admission admission_from(const http_reply& r, int expected_status) {
    if (r.status != expected_status) {
        throw std::runtime_error("expected " + std::to_string(expected_status) + ", got " +
                                 std::to_string(r.status) + ": " + r.body);
    }
    auto body = r.json();
    return {body["room"]["id"],   body["room"]["code"],
            body["member"]["id"], body["member"]["displayName"],
            body["token"],        body};
}

// Calls on one server. Each call opens its own connection, as a browser tab might.
class parlor_client {
  public:
    explicit parlor_client(unsigned short port) : port_(port) {}

    http_reply call(std::string_view method, std::string_view target, std::string_view body = {},
                    const header_list& headers = {}) const {
        return request(port_, method, target, body, headers);
    }
    http_reply health() const { return call("GET", "/api/health"); }
    http_reply create(const std::string& body) const { return call("POST", "/api/rooms", body); }
    http_reply join(const std::string& code, const std::string& body,
                    const header_list& headers = {}) const {
        return call("POST", "/api/rooms/" + code + "/join", body, headers);
    }
    http_reply state(const std::string& code, const header_list& headers) const {
        return call("GET", "/api/rooms/" + code + "/state", {}, headers);
    }
    http_reply leave(const std::string& code, const header_list& headers) const {
        return call("POST", "/api/rooms/" + code + "/leave", {}, headers);
    }

    // The same calls for tests that need them to succeed; they throw otherwise.
    admission create_room(const std::string& display_name = "Ada") const {
        return admission_from(create(name_body(display_name)), 201);
    }
    admission join_room(const std::string& code, const std::string& display_name = "Grace") const {
        return admission_from(join(code, name_body(display_name)), 200);
    }
    nlohmann::json room_state(const admission& who) const {
        auto r = state(who.code, bearer(who.token));
        if (r.status != 200)
            throw std::runtime_error("state failed: " + std::to_string(r.status) + " " + r.body);
        return r.json();
    }

  private:
    unsigned short port_;
};

// A series' value in a Prometheus exposition: the line "<series> <value>"; nullopt when absent.
inline std::optional<double> series_value(const std::string& exposition,
                                          const std::string& series) {
    std::istringstream lines(exposition);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    }
    return std::nullopt;
}

// The port of a server's --metrics-address 127.0.0.1:0 listener, from its log.
inline unsigned short metrics_port_of(parlor_process& server) {
    auto line = server.wait_for_log("metrics_listening");
    if (!line) throw std::runtime_error("no metrics_listening line");
    return nlohmann::json::parse(*line)["port"].get<unsigned short>();
}

// A fresh `parlor` for every test, with its output printed when the test fails.
class parlor_test : public ::testing::Test {
  protected:
    // Extra flags for this fixture's server.
    virtual std::map<std::string, std::string> server_flags() const { return {}; }

    void SetUp() override {
        server_ = std::make_unique<parlor_process>(server_flags());
        server_->start();
    }

    void TearDown() override {
        if (HasFailure() && server_)
            std::cerr << "-------- parlor output --------\n"
                      << server_->log() << "-------------------------------\n";
    }

    parlor_process& server() { return *server_; }
    unsigned short port() const { return server_->port(); }
    // Calls on the server as it runs now (its port changes when it restarts).
    parlor_client api() const { return parlor_client(server_->port()); }

    // The server still answers health checks and its process is still alive.
    ::testing::AssertionResult still_serving() {
        if (!server_->running()) {
            return ::testing::AssertionFailure()
                   << "parlor died: " << server_->wait_for_exit(0ms)->describe();
        }
        try {
            auto r = api().health();
            if (r.status != 200)
                return ::testing::AssertionFailure() << "health answered " << r.status;
        } catch (const std::exception& e) {
            return ::testing::AssertionFailure() << "health check failed: " << e.what();
        }
        return ::testing::AssertionSuccess();
    }

    std::unique_ptr<parlor_process> server_;
};

}  // namespace parlor::itest
