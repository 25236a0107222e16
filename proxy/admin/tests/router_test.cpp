// Router and token checks without a socket: patterns, roles, tenant scope,
// asynchronous handlers (run_blocking, callbacks) and constant-time tokens.
#include <thread>

#include <gtest/gtest.h>

#include "proxy/admin/auth.hpp"
#include "proxy/admin/blocking.hpp"
#include "proxy/admin/router.hpp"

namespace sw::admin {
namespace {

Response run(const Router& router, Request& req) {
  net::asio::io_context ctx;
  Response out;
  net::asio::co_spawn(
      ctx, [&]() -> net::awaitable<void> { out = co_await router.dispatch(req); },
      net::asio::detached);
  ctx.run();
  return out;
}

Request make(std::string method, std::string path, AdminRole role = AdminRole::admin,
             std::string tenant = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.principal = Principal{"t", role, std::move(tenant)};
  return r;
}

Router sample_router() {
  Router router;
  router.add_sync("GET", "/api/v1/clients/{id}", AdminRole::read, [](Request& req) {
    return json_response({{"id", req.params["id"]}});
  });
  router.add_sync("POST", "/api/v1/clients/{id}/kill", AdminRole::admin, [](Request&) {
    return json_response({{"killed", true}});
  });
  router.add_sync("GET", "/api/v1/tenants/{tenant}/stats", AdminRole::read, [](Request& req) {
    return json_response({{"tenant", req.params["tenant"]}});
  });
  router.add("GET", "/blocking", AdminRole::read, [](Request&) -> net::awaitable<Response> {
    auto caller = std::this_thread::get_id();
    auto worker = co_await run_blocking([] { return std::this_thread::get_id(); });
    co_return json_response({{"off_worker", worker != caller},
                             {"back_on_worker", std::this_thread::get_id() == caller}});
  });
  router.add_callback("GET", "/callback", AdminRole::read, [](Request&, Done done) {
    std::thread([done] { done(json_response({{"late", true}})); }).detach();
  });
  return router;
}

TEST(Router, PatternsAndParams) {
  auto router = sample_router();
  auto req = make("GET", "/api/v1/clients/42");
  auto r = run(router, req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "{\"id\":\"42\"}\n");
  req = make("GET", "/api/v1/clients/42/");  // a trailing slash is the same path
  EXPECT_EQ(run(router, req).status, 200u);
  req = make("GET", "/api/v1/clients");
  EXPECT_EQ(run(router, req).status, 404u);
  req = make("GET", "/api/v1/clients/42/kill");
  r = run(router, req);
  EXPECT_EQ(r.status, 405u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "POST");
}

TEST(Router, RolesAndTenantScope) {
  auto router = sample_router();
  auto req = make("POST", "/api/v1/clients/1/kill", AdminRole::read);
  EXPECT_EQ(run(router, req).status, 403u);
  req = make("POST", "/api/v1/clients/1/kill", AdminRole::tools);
  EXPECT_EQ(run(router, req).status, 403u);
  req = make("POST", "/api/v1/clients/1/kill", AdminRole::admin);
  EXPECT_EQ(run(router, req).status, 200u);
  req = make("GET", "/api/v1/tenants/a/stats", AdminRole::read, "b");
  EXPECT_EQ(run(router, req).status, 403u);
  req = make("GET", "/api/v1/tenants/b/stats", AdminRole::read, "b");
  EXPECT_EQ(run(router, req).status, 200u);
  req = make("GET", "/api/v1/tenants/a/stats", AdminRole::read, "");
  EXPECT_EQ(run(router, req).status, 200u);
}

TEST(Router, AsynchronousHandlers) {
  auto router = sample_router();
  auto req = make("GET", "/blocking");
  EXPECT_EQ(run(router, req).body, "{\"back_on_worker\":true,\"off_worker\":true}\n");
  req = make("GET", "/callback");
  EXPECT_EQ(run(router, req).body, "{\"late\":true}\n");
}

TEST(Router, OwnAuthRoutesNeedNoTokenButOthersStill) {
  Router router;
  router.add_own_auth("POST", "/api/v1/collectors/{id}/heartbeat",
                      [](Request& req) -> net::awaitable<Response> {
                        co_return json_response({{"key", req.header("x-collector-api-key")}});
                      });
  router.add_sync("GET", "/api/v1/collectors/{id}", AdminRole::read, [](Request&) {
    return json_response({{"ok", true}});
  });
  EXPECT_TRUE(router.is_public("POST", "/api/v1/collectors/1/heartbeat"));
  EXPECT_FALSE(router.is_public("GET", "/api/v1/collectors/1"));
  auto req = make("POST", "/api/v1/collectors/1/heartbeat");
  req.principal = Principal{"anonymous", AdminRole::read, "", false};
  req.headers["x-collector-api-key"] = "k";
  auto r = run(router, req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "{\"key\":\"k\"}\n");
  req = make("GET", "/api/v1/collectors/1");
  req.principal = Principal{"anonymous", AdminRole::read, "", false};
  EXPECT_EQ(run(router, req).status, 401u);
}

TEST(Request, QueryAndJsonBody) {
  Request r;
  r.query = "a=1&name=x%20y+z&flag";
  EXPECT_EQ(r.query_param("name"), "x y z");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("missing"));
  r.body = "{\"a\":1}";
  EXPECT_TRUE(r.json_body().ok());
  r.body = "[1]";
  EXPECT_FALSE(r.json_body().ok());
  r.body = "{bad";
  EXPECT_FALSE(r.json_body().ok());
}

TEST(TokenAuth, HashedPlainAndLoopback) {
  AdminConfig cfg;
  AdminToken plain{"ops", Secret("s3cret"), "", AdminRole::admin, ""};
  AdminToken hashed{"ro", Secret(), to_hex(sha256("other")), AdminRole::read, "t1"};
  cfg.tokens = {plain, hashed};
  TokenAuth auth(cfg);
  auto o = auth.authenticate("Bearer s3cret", false);
  ASSERT_TRUE(o.principal);
  EXPECT_EQ(o.principal->name, "ops");
  o = auth.authenticate("bearer   other ", false);
  ASSERT_TRUE(o.principal);
  EXPECT_EQ(o.principal->role, AdminRole::read);
  EXPECT_EQ(o.principal->tenant, "t1");
  EXPECT_FALSE(auth.authenticate("Bearer s3cre", false).principal);
  EXPECT_EQ(auth.authenticate("Bearer s3cre", false).failure, AuthFailure::unknown);
  EXPECT_EQ(auth.authenticate("Basic abc", false).failure, AuthFailure::malformed);
  EXPECT_EQ(auth.authenticate("Bearer", false).failure, AuthFailure::malformed);
  EXPECT_FALSE(auth.authenticate("", true).principal);  // loopback exemption is off
  cfg.allow_loopback_without_token = true;
  TokenAuth open(cfg);
  EXPECT_TRUE(open.authenticate("", true).principal);
  EXPECT_FALSE(open.authenticate("", false).principal);
  EXPECT_FALSE(open.authenticate("Bearer wrong", true).principal);
}

}  // namespace
}  // namespace sw::admin
