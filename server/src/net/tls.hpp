#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/asio.hpp"

namespace parlor::net {

namespace ssl = boost::asio::ssl;

// The server's certificate and key (--tls-cert, --tls-key: PEM files, the certificate file
// holding the chain). Loaded at start, where a problem stops the start; reloaded on SIGHUP,
// where a problem keeps the previous pair and is logged, so that a renewal never takes the
// server down. Connections keep the context they began with. Thread-safe.
class tls_identity {
  public:
    // Throws std::runtime_error naming the file and OpenSSL's reason.
    tls_identity(std::filesystem::path certificate, std::filesystem::path key);

    std::shared_ptr<ssl::context> current() const;
    // True when the files were read again; false (the old pair stays) with the reason in
    // `why`.
    bool reload(std::string& why);
    // The certificate's subject and expiry, for the log.
    std::string describe() const;

  private:
    std::shared_ptr<ssl::context> load() const;

    std::filesystem::path certificate_, key_;
    mutable std::mutex mutex_;
    std::shared_ptr<ssl::context> context_;
};

}  // namespace parlor::net
