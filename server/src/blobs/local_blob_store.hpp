#pragma once

#include <filesystem>

#include "blobs/blob_store.hpp"

namespace parlor::blobs {

// File bytes under `<data_dir>/files`, the embedded default.
class local_blob_store final : public blob_store {
  public:
    explicit local_blob_store(std::filesystem::path root);
    void check() override;

  private:
    std::filesystem::path root_;
};

}  // namespace parlor::blobs
