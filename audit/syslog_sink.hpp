#pragma once
// Audit records to syslog(3), one JSON object per message. openlog() is
// process-wide, so there is at most one of these.
#include <string_view>

#include "proxy/core/config.hpp"

namespace sw::audit {

class SyslogSink {
 public:
  explicit SyslogSink(const AuditSyslogConfig& config);
  ~SyslogSink();
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;
  // `line` without its trailing newline.
  void write(std::string_view line, bool failed);

 private:
  std::string ident_;  // openlog keeps the pointer
};

}  // namespace sw::audit
