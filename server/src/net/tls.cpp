#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace parlor::net {
namespace {

std::string openssl_reason(const boost::system::system_error& e) {
    std::string reason = e.code().message();
    return reason.empty() ? e.what() : reason;
}

}  // namespace

tls_identity::tls_identity(std::filesystem::path certificate, std::filesystem::path key)
    : certificate_(std::move(certificate)), key_(std::move(key)), context_(load()) {}

std::shared_ptr<ssl::context> tls_identity::load() const {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    // TLS 1.2 and 1.3 only; OpenSSL 3's default ciphers for them are the modern ones.
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                         ssl::context::single_dh_use);
    // The key first: with a certificate already in place, OpenSSL refuses a key of the same
    // type that does not match it with its own words; this way the check below names both.
    try {
        context->use_private_key_file(key_.string(), ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot use the TLS key " + key_.string() + ": " +
                                 openssl_reason(e));
    }
    try {
        context->use_certificate_chain_file(certificate_.string());
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot use the TLS certificate " + certificate_.string() + ": " +
                                 openssl_reason(e));
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        ERR_clear_error();
        throw std::runtime_error("the TLS key " + key_.string() +
                                 " does not match the certificate " + certificate_.string());
    }
    return context;
}

std::shared_ptr<ssl::context> tls_identity::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

bool tls_identity::reload(std::string& why) {
    try {
        auto fresh = load();
        std::lock_guard lock(mutex_);
        context_ = std::move(fresh);
        return true;
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
}

std::string tls_identity::describe() const {
    auto context = current();
    X509* certificate = SSL_CTX_get0_certificate(context->native_handle());
    if (!certificate) return "no certificate";
    char subject[256] = {};
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    std::string described = subject;
    if (const ASN1_TIME* until = X509_get0_notAfter(certificate)) {
        BIO* text = BIO_new(BIO_s_mem());
        ASN1_TIME_print(text, until);
        char* data = nullptr;
        long size = BIO_get_mem_data(text, &data);
        described += ", valid until " + std::string(data, static_cast<std::size_t>(size));
        BIO_free(text);
    }
    return described;
}

}  // namespace parlor::net
