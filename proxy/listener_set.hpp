#pragma once
// The tenants' SQL listeners of a running proxy, keyed by tenant, protocol
// and listen address. apply() brings them in line with a configuration
// snapshot: listeners that stay get a new session handler (new logins see
// the new users, passwords, profiles and pool settings; running sessions
// keep the snapshot they started with), new ones are opened, removed ones
// are closed without touching their running sessions.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/trail.hpp"
#include "policy/gate.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/listener.hpp"
#include "proxy/net/worker_pool.hpp"

namespace sw {

class ListenerSet {
 public:
  ListenerSet(net::WorkerPool& workers, net::ConnectionTracker& tracker)
      : workers_(workers), tracker_(tracker) {}

  // Opens what `config` adds, re-handles what stays, closes what it drops.
  // `started`: the workers run, so new listeners start accepting at once.
  // On failure (a port in use) nothing that was running is closed.
  Status apply(const ConfigPtr& config, bool started);
  void start_all();
  void close_all();
  // Sessions report to `trail` (one queue per worker); the trail's writer
  // wakes a worker's sessions waiting for group commit through a post onto
  // that worker. Call before the first apply(); the trail outlives the workers.
  void set_audit(audit::AuditTrail& trail);

 private:
  using Group = std::vector<std::unique_ptr<net::Listener>>;  // one per worker
  std::mutex mutex_;  // reload (admin thread, SIGHUP) against shutdown
  net::WorkerPool& workers_;
  net::ConnectionTracker& tracker_;
  std::map<std::string, Group> groups_;
  std::vector<std::shared_ptr<audit_hook::AuditPort>> audit_;  // one per worker; empty: off
  // Closed listeners stay allocated: their accept loops may still be
  // unwinding on a worker. A handful per reload that removes a tenant.
  std::vector<std::unique_ptr<net::Listener>> retired_;
};

}  // namespace sw
