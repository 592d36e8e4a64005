#pragma once

// The headers nearly every test file includes, compiled once per test executable. Nothing
// here is Asio or Beast: only the two clients in integration/ use them, and they build in
// their own library with the server's precompiled header.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
