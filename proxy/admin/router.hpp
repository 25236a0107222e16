#pragma once
// The admin API's route table. Features register routes before the server
// starts (the table is read-only afterwards and shared by every worker):
//
//   router.add("GET", "/api/v1/clients/{id}", AdminRole::read, handler);
//
// A pattern is a path whose segments are literals or {name} placeholders; a
// placeholder matches one non-empty segment and lands in Request::params. A
// route with a {tenant} placeholder is checked against the token's tenant
// scope before the handler runs. Handlers are coroutines on the worker that
// accepted the connection; work that blocks (a libpq call, a file scan) goes
// through run_blocking() or a callback (async_handler) so it never stalls
// the data path sharing that worker.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/http_types.hpp"
#include "proxy/net/asio.hpp"

namespace sw::admin {

using Handler = std::function<net::awaitable<Response>(Request&)>;
// For handlers that answer later from another thread: call `done` exactly
// once, from any thread; the response is written on the connection's worker.
using Done = std::function<void(Response)>;
using CallbackHandler = std::function<void(Request&, Done done)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // split pattern; "{x}" marks a placeholder
  AdminRole role = AdminRole::read;
  bool is_public = false;  // served without a token (the dashboard page itself)
  bool own_auth = false;   // served without a token: the handler checks its own key
  Handler handler;
};

class Router {
 public:
  void add(std::string method, std::string pattern, AdminRole role, Handler handler);
  // A handler that answers synchronously (cheap, non-blocking work only).
  void add_sync(std::string method, std::string pattern, AdminRole role,
                std::function<Response(Request&)> handler);
  void add_callback(std::string method, std::string pattern, AdminRole role,
                    CallbackHandler handler);
  // A route anyone may call without a token: static content only.
  void add_public(std::string method, std::string pattern,
                  std::function<Response(Request&)> handler);

  // A route whose callers are not operators but hold their own credential
  // (a collector's API key in X-Collector-API-Key): no admin token is
  // needed and the handler must authenticate the request itself.
  void add_own_auth(std::string method, std::string pattern, Handler handler);

  // True when method + path resolve to a public or own-auth route (checked
  // before the body of an unauthenticated request is read).
  bool is_public(std::string_view method, std::string_view path) const;

  // Finds the route, checks role and tenant scope, runs the handler; every
  // failure is a JSON error with the right status (404, 405, 403).
  net::awaitable<Response> dispatch(Request& request) const;

  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  const Route* find(std::string_view method, std::string_view path,
                    std::map<std::string, std::string>& params, std::string& allowed) const;

  std::vector<Route> routes_;
};

}  // namespace sw::admin
