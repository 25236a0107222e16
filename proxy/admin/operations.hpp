#pragma once
// What the admin API asks of the running process, implemented by the
// runtime (proxy/runtime.cpp): admin sits below it in the layer table, so it
// gets these as callbacks instead of including the runtime.
#include <functional>
#include <string>
#include <vector>

namespace sw::admin {

struct ReloadReport {
  bool ok = false;
  std::vector<std::string> problems;  // config-check messages when the file is rejected
  std::vector<std::string> notes;     // accepted, but e.g. "server.workers needs a restart"
};

struct Operations {
  // Re-reads and validates the configuration file and applies it; blocking
  // (file I/O, binds), so the admin API calls it off the workers.
  std::function<ReloadReport()> reload;
  // Starts the graceful shutdown (like SIGTERM); returns at once.
  std::function<void()> shutdown;
};

}  // namespace sw::admin
