#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace parlor::testing {

// s3rver (npm, web/node_modules) on a loopback port it picks itself, serving `bucket` from
// a fresh directory, with vhost buckets under *.s3.localhost (curl resolves any
// *.localhost name to loopback without DNS).
//
// What s3rver 3.7.1 checks (lib/middleware/authentication.js): the access key id must be
// one it knows (S3RVER), a header-signed request needs x-amz-content-sha256 and an
// x-amz-date within 15 minutes of its clock, and a presigned URL must not have expired
// (X-Amz-Date + X-Amz-Expires). It does NOT compute SigV4 signatures at all ("Signature
// version 4 calculation is unimplemented"): any well-formed signature passes, with or
// without --allow-mismatched-signatures. Signing is proved by sigv4_test.cpp (AWS's
// examples) and sigv4_botocore_test.cpp instead; these tests prove the flow.
class s3rver_process {
  public:
    static constexpr const char* access_key = "S3RVER";
    static constexpr const char* secret_key = "S3RVER";

    explicit s3rver_process(const std::string& bucket) {
        const std::filesystem::path program = S3RVER_EXECUTABLE;
        if (!std::filesystem::exists(program))
            throw std::runtime_error(program.string() + " is missing: run `npm ci` in web/");
        std::filesystem::path errors = logs_.path() / "stderr.txt";
        process_ = std::make_unique<child_process>(
            std::vector<std::string>{program.string(), "-d", data_.path().string(), "-a",
                                     "127.0.0.1", "-p", "0", "--service-endpoint", "localhost",
                                     "--configure-bucket", bucket, "-s"},
            child_streams{.stderr_to = errors, .pipe_stdout = true});
        // Printed (even with -s) once the server accepts connections.
        const std::string ready = "S3rver listening on 127.0.0.1:";
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (port_ == 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto line = process_->read_line(left);
            if (!line) {
                std::ifstream error_text(errors);
                throw std::runtime_error("s3rver did not start: " +
                                         std::string(std::istreambuf_iterator<char>(error_text),
                                                     std::istreambuf_iterator<char>()));
            }
            if (line->starts_with(ready))
                port_ = static_cast<std::uint16_t>(std::stoi(line->substr(ready.size())));
        }
    }

    std::uint16_t port() const { return port_; }
    void stop() { process_->stop(); }

  private:
    temp_dir data_;
    temp_dir logs_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
};

}  // namespace parlor::testing
