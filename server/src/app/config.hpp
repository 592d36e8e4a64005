#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parlor::app {

// Everything `parlor` can be told, by flag or by its PARLOR_* environment twin.
struct config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string data_dir = "./data";
    std::string database_url;  // empty: sqlite:<data_dir>/parlor.db
    std::string redis_url;     // empty: events stay in this process
    int presence_ttl_seconds = 30;
    std::string static_dir = "./web/dist";
    std::vector<std::string> public_origins;  // empty: http://localhost:PORT, http://127.0.0.1:PORT
    int room_create_per_minute = 10;
    int join_per_minute = 30;
    std::string token_secret;  // empty: generated once into <data_dir>/token-secret
    int token_ttl_seconds = 12 * 60 * 60;
    std::vector<std::string> stun_urls;
    std::vector<std::string> turn_urls;
    std::string turn_secret;  // coturn's static-auth-secret
    int turn_ttl_seconds = 24 * 60 * 60;
    std::string ice_transport_policy = "all";  // or "relay"
    std::size_t max_json_body_bytes = 64 * 1024;
    int max_connections = 0;          // 0: as many as the descriptor limit allows
    int max_connections_per_ip = 64;  // 0: no limit
    int header_timeout_seconds = 10;
    std::vector<std::string> trusted_proxies;  // CIDR blocks whose X-Forwarded-For we believe
    std::string tls_cert;  // PEM certificate chain; with tls_key, the server speaks HTTPS
    std::string tls_key;
    std::string metrics_address;  // HOST:PORT of the Prometheus listener; empty: none
    int threads = 1;
    int db_threads = 4;
    std::string log_level = "info";
    int shutdown_grace_seconds = 10;
    int call_capacity = 6;
    int call_grace_seconds = 20;
    int ws_messages_per_second = 100;
    std::size_t ws_relay_bytes_per_second = 128 * 1024;  // 0: unlimited
    std::size_t ws_max_queued_frames = 1024;
    std::size_t ws_max_queued_bytes = 4 * 1024 * 1024;
    int ws_join_deadline_seconds = 10;
    int ws_ping_interval_seconds = 15;
    int ws_silence_limit_seconds = 45;
    std::uint64_t max_file_bytes = 100 * 1024 * 1024;
    int upload_link_seconds = 15 * 60;
    int download_link_seconds = 5 * 60;
    int room_max_files = 500;
    std::uint64_t room_max_bytes = std::uint64_t{2} << 30;
    std::uint64_t min_free_disk_bytes = std::uint64_t{1} << 30;
    int prepare_per_minute = 60;
    std::vector<std::string> blocked_file_types;  // ".exe", "application/x-msdownload", "video/*"
    int chat_messages_per_minute = 30;
    int room_max_messages = 10'000;
    int client_errors_per_minute = 10;
    int room_retention_days = 0;     // 0: rooms are kept
    int room_retention_seconds = 0;  // hidden, for tests: overrides the days when set
    int sweep_interval_seconds = 60;
    std::string file_store = "local";  // or "s3"
    std::string s3_endpoint;
    std::string s3_region = "us-east-1";
    std::string s3_bucket;
    bool s3_path_style = false;
    std::string s3_access_key_id;
    std::string s3_secret_access_key;
    std::string s3_session_token;
    std::string s3_prefix;

    std::string effective_database_url() const;
    std::vector<std::string> effective_public_origins() const;
};

// Parses flags and environment. Returns nullopt with `exit_code` set when the process
// should stop now (after --help or --version, or on a bad value, with the reason printed).
std::optional<config> parse_config(int argc, char** argv, int& exit_code);

}  // namespace parlor::app
