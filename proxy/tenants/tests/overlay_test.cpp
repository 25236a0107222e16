// The composed snapshot: file configuration + active tenant clones.
#include <gtest/gtest.h>

#include "proxy/tenants/overlay.hpp"

namespace sw::tenants {
namespace {

Config file_config() {
  Config c;
  TenantConfig t;
  t.name = "default";
  ListenerConfig pg;
  pg.listen = {"127.0.0.1", 6432};
  pg.backend = {"127.0.0.1", 15432};
  t.postgres = pg;
  ListenerConfig my;
  my.listen = {"127.0.0.1", 6033};
  my.backend = {"127.0.0.1", 13306};
  t.mysql = my;
  c.tenants.push_back(t);
  UserConfig app;
  app.name = "app";
  app.password = Secret("app");
  c.users.push_back(app);
  return c;
}

TenantRecord record(const std::string& id, Engine e, std::uint16_t port) {
  TenantRecord r;
  r.id = id;
  r.engine = e;
  r.database = tenant_database(id);
  r.user = tenant_user(id);
  r.port = port;
  r.state = TenantState::active;
  return r;
}

TEST(Overlay, NoTenantsIsTheFileItself) {
  Config base = file_config();
  auto out = compose(base, CloningConfig{}, {});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->tenants.size(), 1u);
  EXPECT_TRUE(out->users[0].tenants.empty());
}

TEST(Overlay, TenantGetsAPinnedListenerAUserAndTheProfile) {
  Config base = file_config();
  CloningConfig cloning;
  auto a = record("a", Engine::postgresql, 5434);
  auto b = record("b", Engine::mysql, 3309);
  auto out = compose(base, cloning, {{&a, Secret("pa")}, {&b, Secret("pb")}});
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->tenants.size(), 3u);
  const TenantConfig* ta = out->find_tenant("a");
  ASSERT_NE(ta, nullptr);
  ASSERT_TRUE(ta->postgres);
  EXPECT_FALSE(ta->mysql);
  EXPECT_EQ(ta->postgres->listen.port, 5434);
  EXPECT_EQ(ta->postgres->backend.port, 15432);
  EXPECT_EQ(ta->postgres->default_database, "tenant_a_db");
  EXPECT_TRUE(ta->postgres->pin_database);
  EXPECT_EQ(ta->default_profile, kTenantProfile);
  const TenantConfig* tb = out->find_tenant("b");
  ASSERT_TRUE(tb && tb->mysql);
  EXPECT_EQ(tb->mysql->backend.port, 13306);
  const UserConfig* ua = out->find_user("tenant_a");
  ASSERT_NE(ua, nullptr);
  EXPECT_EQ(ua->password.reveal(), "pa");
  EXPECT_EQ(ua->tenants, std::vector<std::string>{"a"});
  // File users no longer reach tenant ports.
  EXPECT_EQ(out->find_user("app")->tenants, std::vector<std::string>{"default"});
  const ProfileConfig* p = out->find_profile(kTenantProfile);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->base, "allow_all");
  EXPECT_EQ(p->allow_cross_database, false);
}

TEST(Overlay, CollisionsAndMissingBackendsAreErrors) {
  Config base = file_config();
  auto clash = record("default", Engine::postgresql, 5434);
  EXPECT_FALSE(compose(base, CloningConfig{}, {{&clash, Secret("x")}}));
  EXPECT_TRUE(name_taken_by_file(base, "default"));
  base.tenants[0].mysql.reset();
  auto my = record("m", Engine::mysql, 3309);
  auto out = compose(base, CloningConfig{}, {{&my, Secret("x")}});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("mysql"), std::string::npos);
}

}  // namespace
}  // namespace sw::tenants
