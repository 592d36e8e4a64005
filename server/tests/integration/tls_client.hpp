#pragma once

// Clients over TLS, for the tests of the built-in TLS (--tls-cert). Standard types only in
// this header, like the plain clients'.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "http_client.hpp"

namespace parlor::itest {

using namespace std::chrono_literals;

// What a TLS client saw: the certificate the server presented (its subject's common name)
// and the reply. The server's certificate must verify against `ca_file` for 127.0.0.1.
struct tls_reply {
    std::string peer_common_name;
    http_reply reply;
};

// One HTTPS request to 127.0.0.1:port on a fresh connection. Throws std::runtime_error
// when the handshake or the request fails or times out.
tls_reply tls_request(unsigned short port, const std::filesystem::path& ca_file,
                      std::string_view method, std::string_view target, std::string_view body = {},
                      const header_list& headers = {}, std::chrono::milliseconds timeout = 10s);

// A WebSocket over TLS (wss://127.0.0.1:port/ws): sends `text` after the upgrade and
// returns the first text frame the server sends back; nullopt when none comes in time.
std::optional<std::string> wss_first_reply(unsigned short port,
                                           const std::filesystem::path& ca_file,
                                           const std::string& text,
                                           std::chrono::milliseconds timeout = 10s);

}  // namespace parlor::itest
