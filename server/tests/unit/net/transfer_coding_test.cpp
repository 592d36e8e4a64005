#include "net/transfer_coding.hpp"

#include <gtest/gtest.h>

namespace parlor::net {
namespace {

TEST(TransferCoding, NoneOrChunkedAloneIsSupported) {
    EXPECT_TRUE(supported_transfer_coding(std::nullopt, 11));
    EXPECT_TRUE(supported_transfer_coding(std::nullopt, 10));
    EXPECT_TRUE(supported_transfer_coding("chunked", 11));
    EXPECT_TRUE(supported_transfer_coding("CHUNKED", 11));
    EXPECT_TRUE(supported_transfer_coding(" chunked\t", 11));
    EXPECT_TRUE(
        supported_transfer_coding(",chunked,", 11));  // empty list elements count for nothing
}

// RFC 9112 6.1: anything else would leave a body that Beast does not read as one.
TEST(TransferCoding, AnythingElseIsRefused) {
    for (const char* codings :
         {"chunked, identity", "identity", "gzip", "gzip, chunked", "chunked, chunked",
          "chunked;x=1", "", " ", "chunkedx", "chunked,chunked"}) {
        EXPECT_FALSE(supported_transfer_coding(codings, 11)) << codings;
    }
    EXPECT_FALSE(supported_transfer_coding("chunked", 10));  // HTTP/1.0 has no transfer codings
}

}  // namespace
}  // namespace parlor::net
