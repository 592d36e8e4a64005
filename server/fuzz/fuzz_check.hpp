#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// What a fuzz target finds: a property that does not hold stops the run with the input's
// story on stderr, which libFuzzer (and the replay driver) turn into a saved crasher.
namespace parlor::fuzz {

[[noreturn]] inline void broken(const char* what, std::string_view input) {
    std::fprintf(stderr, "fuzz property broken: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
                 static_cast<int>(std::min<std::size_t>(input.size(), 512)), input.data());
    std::abort();
}

inline void check(bool holds, const char* what, std::string_view input) {
    if (!holds) broken(what, input);
}

}  // namespace parlor::fuzz
