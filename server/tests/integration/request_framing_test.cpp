// Request bodies are framed one way only (RFC 9112 6): a Content-Length, or chunked as the
// only transfer coding. Anything that could leave bytes to be read as another request is
// answered with one 400 and the connection closes, on the API and on file links alike.

#include <sstream>

#include "files_support.hpp"

namespace parlor::itest {
namespace {

// A request hidden in another's body: if the server took the body for the next request,
// the health check's 200 would come back as a second response on the connection.
const std::string smuggled = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";

std::string hex(std::size_t n) {
    std::ostringstream out;
    out << std::hex << n;
    return out.str();
}

std::string chunked(std::string_view body) {
    return hex(body.size()) + "\r\n" + std::string(body) + "\r\n0\r\n\r\n";
}

// Exactly one 400 `bad_request` (just its head for HEAD), then the server hung up.
::testing::AssertionResult one_400_then_closed(const raw_exchange& exchange,
                                               bool head_request = false) {
    auto replies = parse_replies(exchange.received, head_request);
    if (replies.size() != 1) {
        return ::testing::AssertionFailure()
               << replies.size() << " responses on one connection: " << exchange.received;
    }
    if (head_request) {
        if (replies.front().status != 400)
            return ::testing::AssertionFailure() << "status " << replies.front().status;
    } else if (auto bad = is_error(replies.front(), 400, "bad_request"); !bad) {
        return bad;
    }
    if (!exchange.closed_by_peer)
        return ::testing::AssertionFailure() << "the connection stayed open";
    return ::testing::AssertionSuccess();
}

class RequestFramingTest : public files_test {
  protected:
    // A download link to a small stored file.
    std::string download() {
        auto ada = api().create_room();
        auto file = share(ada, "notes.txt", "text/plain", "some notes");
        return download_target(ada, file["id"].get<std::string>());
    }
};

TEST_F(RequestFramingTest, ADownloadWithABodyIsRefusedAndClosed) {
    auto link = download();
    for (const char* method : {"GET", "HEAD"}) {
        SCOPED_TRACE(method);
        bool head = std::string_view(method) == "HEAD";
        auto with_length =
            std::string(method) + " " + link +
            " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(smuggled.size()) +
            "\r\n\r\n" + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), with_length, 5s), head));

        auto with_chunks = std::string(method) + " " + link +
                           " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           chunked(smuggled) + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), with_chunks, 5s), head));
    }
    // Without a body (or with an empty one) the link works, and the connection goes on.
    http_connection connection(port());
    auto r = connection.request("GET", link, {}, {{"Content-Length", "0"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "some notes");
    EXPECT_EQ(connection.request("GET", "/api/health").status, 200);
}

TEST_F(RequestFramingTest, TransferCodingsOtherThanChunkedAloneAreRefusedAndClosed) {
    auto link = download();
    const std::string body = name_body("Ada");
    for (const char* codings : {"chunked, identity", "identity", "gzip", "gzip, chunked",
                                "chunked, chunked", "chunked;ext=1", "x-custom"}) {
        SCOPED_TRACE(codings);
        auto post =
            "POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: " +
            std::string(codings) + "\r\n\r\n" + chunked(body) + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), post, 5s)));
        auto get = "GET " + link +
                   " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(codings) +
                   "\r\n\r\n" + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), get, 5s)));
        auto page = "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(codings) +
                    "\r\n\r\n" + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), page, 5s)));
    }
    EXPECT_TRUE(still_serving());
}

TEST_F(RequestFramingTest, CodingsSpreadOverSeveralFieldsAreOneList) {
    auto post =
        "POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
        chunked(name_body("Ada")) + smuggled;
    EXPECT_TRUE(one_400_then_closed(send_raw(port(), post, 5s)));
}

TEST_F(RequestFramingTest, ContentLengthWithTransferEncodingIsRefusedAndClosed) {
    const std::string body = name_body("Ada");
    for (const std::string& fields :
         {"Content-Length: " + std::to_string(body.size()) + "\r\nTransfer-Encoding: chunked",
          "Transfer-Encoding: chunked\r\nContent-Length: " + std::to_string(body.size()),
          std::string("Content-Length: 5\r\nTransfer-Encoding: identity")}) {
        SCOPED_TRACE(fields);
        auto post = "POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                    fields + "\r\n\r\n" + chunked(body) + smuggled;
        EXPECT_TRUE(one_400_then_closed(send_raw(port(), post, 5s)));
    }
}

TEST_F(RequestFramingTest, ChunkedInHttp10IsRefusedAndClosed) {
    auto post =
        "POST /api/rooms HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" +
        chunked(name_body("Ada")) + smuggled;
    EXPECT_TRUE(one_400_then_closed(send_raw(port(), post, 5s)));
}

TEST_F(RequestFramingTest, ChunkedAloneStillWorksInAnyCase) {
    for (const char* coding : {"chunked", "Chunked", "CHUNKED"}) {
        SCOPED_TRACE(coding);
        http_connection connection(port());
        connection.write_head(
            "POST", "/api/rooms",
            {{"Content-Type", "application/json"}, {"Transfer-Encoding", coding}});
        connection.write_raw(chunked(name_body("Ada")));
        auto created = connection.read_reply("POST");
        EXPECT_EQ(created.status, 201) << created.body;
        EXPECT_EQ(connection.request("GET", "/api/health").status, 200);  // still in step
    }
}

}  // namespace
}  // namespace parlor::itest
