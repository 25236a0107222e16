#include "audit/syslog_sink.hpp"

#include <syslog.h>

#include <string>

namespace sw::audit {

namespace {
int facility_of(const std::string& name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}, {"user", LOG_USER},
      {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}};
  for (const auto& [n, f] : kFacilities)
    if (n == name) return f;
  return LOG_LOCAL0;
}
}  // namespace

SyslogSink::SyslogSink(const AuditSyslogConfig& config) : ident_(config.ident) {
  ::openlog(ident_.c_str(), LOG_NDELAY | LOG_PID, facility_of(config.facility));
}

SyslogSink::~SyslogSink() {
  ::closelog();
}

void SyslogSink::write(std::string_view line, bool failed) {
  ::syslog(failed ? LOG_WARNING : LOG_INFO, "%.*s", static_cast<int>(line.size()), line.data());
}

}  // namespace sw::audit
