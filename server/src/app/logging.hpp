#pragma once

#include <string>

namespace parlor::app {

// Logs go to stderr as JSON lines: {"time","level",...}. A message that is itself a JSON
// object (a structured event, such as each request) has its fields merged into the line;
// any other message becomes "msg".
void init_logging(const std::string& level);

}  // namespace parlor::app
