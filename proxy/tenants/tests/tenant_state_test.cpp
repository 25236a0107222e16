// Unit tests of the tenant state that needs no server: ids, ports, the
// registry file, sealed passwords, the [cloning] section.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "proxy/tenants/cloning_config.hpp"
#include "proxy/tenants/port_allocator.hpp"
#include "proxy/tenants/registry.hpp"
#include "proxy/tenants/secret_box.hpp"
#include "proxy/tenants/tenant_id.hpp"

namespace sw::tenants {
namespace {

std::string temp_dir() {
  std::string tmpl = ::testing::TempDir() + "tenant_state_XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  return tmpl;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TenantId, SeedExamplesAreValid) {
  for (const char* id : {"tenant_001", "alpha_test_001", "beta_test_002", "new_tenant_123", "7"})
    EXPECT_TRUE(validate_tenant_id(id)) << id;
  EXPECT_EQ(tenant_database("tenant_001"), "tenant_tenant_001_db");
  EXPECT_EQ(tenant_user("alpha"), "tenant_alpha");
}

TEST(TenantId, RejectsWhatCouldEscapeAnIdentifier) {
  for (const char* id : {"", "Tenant", "_x", "a-b", "a b", "a;drop", "a`b", "a\"b", "ä",
                         "abcdefghijklmnopqrstuvwxyz"}) {
    auto r = validate_tenant_id(id);
    EXPECT_FALSE(r) << id;
    if (!r) {
      EXPECT_NE(r.error().message.find("tenant_id"), std::string::npos);
    }
  }
  EXPECT_TRUE(validate_tenant_id("abcdefghijklmnopqrstuvwxy"));  // 25
}

TEST(TenantId, Engines) {
  EXPECT_EQ(*parse_engine("mysql"), Engine::mysql);
  EXPECT_EQ(*parse_engine("mariadb"), Engine::mysql);
  EXPECT_EQ(*parse_engine("postgresql"), Engine::postgresql);
  EXPECT_EQ(*parse_engine("postgres"), Engine::postgresql);
  EXPECT_FALSE(parse_engine("mongodb"));
}

TEST(Ports, DefaultsSkipReservedTakenAndBusy) {
  PortPlan plan;
  auto all_free = [](std::uint16_t) { return true; };
  EXPECT_EQ(*allocate_port(plan, Engine::mysql, {}, all_free), 3309);
  EXPECT_EQ(*allocate_port(plan, Engine::postgresql, {}, all_free), 5434);
  EXPECT_EQ(*allocate_port(plan, Engine::mysql, {3309, 3310}, all_free), 3311);
  auto busy_3309 = [](std::uint16_t p) { return p != 3309; };
  EXPECT_EQ(*allocate_port(plan, Engine::mysql, {}, busy_3309), 3310);
  EXPECT_EQ(plan.capacity(Engine::mysql), 92u);
  EXPECT_EQ(plan.capacity(Engine::postgresql), 67u);
}

TEST(Ports, ReservedInsideARangeIsNeverAllocated) {
  PortPlan plan;
  plan.mysql = {3306, 3310};
  std::set<std::uint16_t> got;
  std::set<std::uint16_t> taken;
  for (int i = 0; i < 2; ++i) {
    auto p = allocate_port(plan, Engine::mysql, taken, [](std::uint16_t) { return true; });
    ASSERT_TRUE(p);
    taken.insert(*p);
  }
  EXPECT_EQ(taken, (std::set<std::uint16_t>{3309, 3310}));
  auto full = allocate_port(plan, Engine::mysql, taken, [](std::uint16_t) { return true; });
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("3306-3310"), std::string::npos) << full.error().message;
}

TEST(Ports, BindProbeSeesAListener) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::uint16_t port = ntohs(addr.sin_port);
  EXPECT_FALSE(bind_probe("127.0.0.1", port));
  ::close(fd);
  EXPECT_TRUE(bind_probe("127.0.0.1", port));
}

TEST(Ports, SeedPortConfigJson) {
  auto plan = parse_port_config_json(R"({
    "port_ranges": {"mysql": [3309, 3400], "postgresql": [5434, 5500], "mongodb": [27019, 27100]},
    "reserved_ports": [3306, 3307, 3308, 5432, 5433, 27017, 27018, 8000, 8001, 8501]})");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->mysql.first, 3309);
  EXPECT_EQ(plan->postgresql.last, 5500);
  EXPECT_TRUE(plan->reserved.count(8501));
  EXPECT_TRUE(plan->reserved.count(3306));
  EXPECT_FALSE(parse_port_config_json(R"({"port_ranges": {"mysql": [3400, 3309]}})"));
  EXPECT_FALSE(parse_port_config_json(R"({"port_ranges": {"mysql": [5434, 5440]}})"));
  EXPECT_FALSE(parse_port_config_json(R"({"ports": {}})"));
  EXPECT_FALSE(parse_port_config_json("not json"));
}

TEST(Registry, SurvivesReloadAndNeverHoldsThePassword) {
  std::string dir = temp_dir();
  std::string path = dir + "/clone_registry.json";
  auto box = SecretBox::open_or_create(dir + "/tenants.key");
  ASSERT_TRUE(box) << box.error().message;
  auto sealed = box->seal(Secret("hunter2-very-secret"));
  ASSERT_TRUE(sealed);
  {
    auto reg = Registry::load(path);
    ASSERT_TRUE(reg);
    TenantRecord r;
    r.id = "tenant_001";
    r.engine = Engine::mysql;
    r.root_version = "v1.0";
    r.template_db = "exo_cluster";
    r.database = tenant_database(r.id);
    r.user = tenant_user(r.id);
    r.sealed_password = *sealed;
    r.port = 3309;
    r.state = TenantState::active;
    ASSERT_TRUE(reg->put(r));
  }
  std::string text = read_all(path);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir + "/tenants.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto again = Registry::load(path);
  ASSERT_TRUE(again);
  const TenantRecord* r = again->find("tenant_001");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->port, 3309);
  EXPECT_EQ(r->state, TenantState::active);
  EXPECT_EQ(again->ports_in_use(), std::vector<std::uint16_t>{3309});
  auto box2 = SecretBox::open_or_create(dir + "/tenants.key");
  ASSERT_TRUE(box2);
  auto plain = box2->open(r->sealed_password);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->reveal(), "hunter2-very-secret");
}

TEST(Registry, MalformedFileIsAClearError) {
  std::string dir = temp_dir();
  std::ofstream(dir + "/r.json") << "{\"tenants\": [{\"tenant_id\": \"Bad Id\"}]}";
  auto reg = Registry::load(dir + "/r.json");
  ASSERT_FALSE(reg);
  EXPECT_NE(reg.error().message.find("r.json"), std::string::npos);
  std::ofstream(dir + "/torn.json") << "{\"tenants\": [";
  EXPECT_FALSE(Registry::load(dir + "/torn.json"));
}

TEST(SecretBox, TamperingAndWrongKeyFail) {
  auto box = SecretBox::with_key(std::string(32, 'k'));
  auto sealed = box.seal(Secret("pw"));
  ASSERT_TRUE(sealed);
  EXPECT_NE(*sealed, *box.seal(Secret("pw")));  // fresh nonce each time
  std::string tampered = *sealed;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.open(tampered));
  EXPECT_FALSE(SecretBox::with_key(std::string(32, 'x')).open(*sealed));
  EXPECT_FALSE(box.open("garbage"));
  EXPECT_EQ(box.open(*sealed)->reveal(), "pw");
}

TEST(SecretBox, GeneratedPasswords) {
  auto a = generate_password(), b = generate_password();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reveal().size(), 32u);
  EXPECT_NE(a->reveal(), b->reveal());
  for (char c : a->reveal()) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
}

TEST(CloningConfig, AbsentMeansOffDefaultsMeanExoClusterV1) {
  auto off = load_cloning_config("[server]\nworkers = 1\n", "/etc");
  EXPECT_TRUE(off.problems.empty());
  EXPECT_FALSE(off.config.enabled);
  auto on = load_cloning_config("[cloning]\nstate_dir = \"state\"\n", "/etc/sw");
  ASSERT_TRUE(on.problems.empty()) << on.problems.front();
  EXPECT_TRUE(on.config.enabled);
  EXPECT_EQ(on.config.state_dir, "/etc/sw/state");
  ASSERT_NE(on.config.find_template(Engine::postgresql, "v1.0"), nullptr);
  EXPECT_EQ(on.config.find_template(Engine::mysql, "v1.0")->database, "exo_cluster");
  EXPECT_EQ(on.config.find_template(Engine::mysql, "v2.0"), nullptr);
}

TEST(CloningConfig, PortsTemplatesAndSeedFile) {
  std::string dir = temp_dir();
  std::ofstream(dir + "/port_config.json")
      << R"({"port_ranges": {"mysql": [4000, 4010], "postgresql": [4100, 4110]},
            "reserved_ports": [4001]})";
  auto load = load_cloning_config(R"(
[cloning]
state_dir = "/var/lib/sw"
port_config = "port_config.json"
[cloning.ports]
reserved = [4002]
[[cloning.templates]]
engine = "postgresql"
version = "v2.0"
database = "lablink_db"
)",
                                  dir);
  ASSERT_TRUE(load.problems.empty()) << load.problems.front();
  EXPECT_EQ(load.config.ports.mysql.first, 4000);
  EXPECT_TRUE(load.config.ports.reserved.count(4001));
  EXPECT_TRUE(load.config.ports.reserved.count(4002));
  EXPECT_TRUE(load.config.ports.reserved.count(3306));
  EXPECT_EQ(load.config.templates.size(), 1u);
  EXPECT_EQ(load.config.find_template(Engine::postgresql, "v2.0")->database, "lablink_db");
}

TEST(CloningConfig, ProblemsNameTheKey) {
  auto load = load_cloning_config(R"(
[cloning]
bogus = 1
clone_timeout_ms = "soon"
[cloning.ports]
mysql = [5000, 5600]
)",
                                  "");
  std::string all;
  for (const auto& p : load.problems) all += p + "\n";
  EXPECT_NE(all.find("cloning.bogus: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("cloning.clone_timeout_ms"), std::string::npos) << all;
  EXPECT_NE(all.find("overlap"), std::string::npos) << all;
  EXPECT_NE(all.find("cloning.state_dir"), std::string::npos) << all;
}

}  // namespace
}  // namespace sw::tenants
