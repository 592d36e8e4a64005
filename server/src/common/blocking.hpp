#pragma once

#include <type_traits>

#include "common/asio.hpp"

namespace parlor {

// Runs blocking work (database calls, disk checks) on the blocking pool and resumes the
// calling coroutine on its own executor with the result; exceptions come back with it.
// Network threads never wait on the database.
template <class Work>
asio::awaitable<std::invoke_result_t<Work>> run_blocking(asio::thread_pool& pool, Work work) {
    using result = std::invoke_result_t<Work>;
    co_return co_await asio::co_spawn(
        pool, [work = std::move(work)]() mutable -> asio::awaitable<result> { co_return work(); },
        asio::use_awaitable);
}

}  // namespace parlor
