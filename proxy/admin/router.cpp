#include "proxy/admin/router.hpp"

#include <memory>

#include <fmt/format.h>

namespace sw::admin {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool is_placeholder(std::string_view s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

bool match(const Route& route, const std::vector<std::string_view>& parts,
           std::map<std::string, std::string>& params) {
  if (route.segments.size() != parts.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (is_placeholder(seg)) {
      found[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// Completion of a callback handler, resumed on the awaiting coroutine's executor.
template <class Token>
auto async_callback(const CallbackHandler& handler, Request& request, Token&& token) {
  return net::asio::async_initiate<Token, void(Response)>(
      [&handler, &request](auto completion) {
        using Completion = decltype(completion);
        auto shared = std::make_shared<Completion>(std::move(completion));
        auto executor = net::asio::get_associated_executor(*shared);
        handler(request, [shared, executor](Response response) {
          net::asio::post(executor, [shared, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      token);
}

}  // namespace

void Router::add(std::string method, std::string pattern, AdminRole role, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  r.pattern = std::move(pattern);
  r.role = role;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::add_sync(std::string method, std::string pattern, AdminRole role,
                      std::function<Response(Request&)> handler) {
  add(std::move(method), std::move(pattern), role,
      [handler = std::move(handler)](Request& req) -> net::awaitable<Response> {
        co_return handler(req);
      });
}

void Router::add_callback(std::string method, std::string pattern, AdminRole role,
                          CallbackHandler handler) {
  add(std::move(method), std::move(pattern), role,
      [handler = std::move(handler)](Request& req) -> net::awaitable<Response> {
        co_return co_await async_callback(handler, req, net::use_awaitable);
      });
}

void Router::add_public(std::string method, std::string pattern,
                        std::function<Response(Request&)> handler) {
  add_sync(std::move(method), std::move(pattern), AdminRole::read, std::move(handler));
  routes_.back().is_public = true;
}

void Router::add_own_auth(std::string method, std::string pattern, Handler handler) {
  add(std::move(method), std::move(pattern), AdminRole::read, std::move(handler));
  routes_.back().own_auth = true;
}

const Route* Router::find(std::string_view method, std::string_view path,
                          std::map<std::string, std::string>& params, std::string& allowed) const {
  auto parts = split_path(path);
  for (const auto& route : routes_) {
    if (!match(route, parts, params)) continue;
    if (route.method != method && !(method == "HEAD" && route.method == "GET")) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    return &route;
  }
  return nullptr;
}

bool Router::is_public(std::string_view method, std::string_view path) const {
  std::map<std::string, std::string> params;
  std::string allowed;
  const Route* route = find(method, path, params, allowed);
  return route && (route->is_public || route->own_auth);
}

net::awaitable<Response> Router::dispatch(Request& request) const {
  std::map<std::string, std::string> params;
  std::string allowed;
  if (const Route* found = find(request.method, request.path, params, allowed)) {
    const Route& route = *found;
    if (!request.principal.authenticated && !route.is_public && !route.own_auth) {
      auto r =
          error_response(401, "unauthorized", "missing token: send Authorization: Bearer <token>");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_return r;
    }
    if (!request.principal.has_role(route.role))
      co_return error_response(
          403, "forbidden",
          fmt::format("{} {} needs the {} role; token \"{}\" has {}", route.method, route.pattern,
                      admin_role_name(route.role), request.principal.name,
                      admin_role_name(request.principal.role)));
    if (auto it = params.find("tenant");
        it != params.end() && !request.principal.may_access_tenant(it->second))
      co_return error_response(403, "forbidden",
                               fmt::format("token \"{}\" is scoped to tenant \"{}\"",
                                           request.principal.name, request.principal.tenant));
    request.params = std::move(params);
    co_return co_await route.handler(request);
  }
  if (!allowed.empty()) {
    auto r = error_response(405, "method_not_allowed",
                            fmt::format("{} is not allowed here; use {}", request.method, allowed));
    r.headers.emplace_back("Allow", allowed);
    co_return r;
  }
  co_return error_response(404, "not_found", "no such endpoint");
}

}  // namespace sw::admin
