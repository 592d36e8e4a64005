#include "blobs/local_blob_store.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.hpp"

namespace parlor::blobs {

local_blob_store::local_blob_store(std::filesystem::path root) : root_(std::move(root)) {
    std::filesystem::create_directories(root_);
}

void local_blob_store::check() {
    // Writable and present: what an upload needs. access() does not touch the disk.
    if (::access(root_.c_str(), W_OK | X_OK) != 0) {
        spdlog::error("blob directory {} is not writable", root_.string());
        throw error(error_code::unavailable, "File storage is unavailable");
    }
}

}  // namespace parlor::blobs
