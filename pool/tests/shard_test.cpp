// The pool core without sockets: two shards stand for two workers, their
// Post queues stand for the workers' io_contexts.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>

#include "pool/registry.hpp"
#include "pool/shard.hpp"

namespace sw::pool {
namespace {

struct FakeServer : ServerHandle {
  explicit FakeServer(int* alive) : alive_(alive) { ++*alive_; }
  ~FakeServer() override { --*alive_; }
  int* alive_;
};

// A server whose goodbye takes a while: `gone` is kept until the test says
// the backend has let go.
struct SlowServer : FakeServer {
  std::function<void()>* pending;
  SlowServer(int* alive, std::function<void()>* p) : FakeServer(alive), pending(p) {}

 protected:
  void retire_self(std::unique_ptr<ServerHandle> self, std::function<void()> gone) override {
    *pending = std::move(gone);
    self.reset();
  }
};

struct Worker {
  std::deque<std::function<void()>> queue;
  Post post() {
    return [this](std::function<void()> f) { queue.push_back(std::move(f)); };
  }
  void run() {
    while (!queue.empty()) {
      auto f = std::move(queue.front());
      queue.pop_front();
      f();
    }
  }
};

PoolConfig config(std::uint32_t size) {
  PoolConfig c;
  c.size = size;
  c.mode = PoolMode::transaction;
  return c;
}

// One pool's budget shared by two workers, each with its own shard: the
// process-wide size as two workers see it.
struct TwoShards {
  std::shared_ptr<Budget> budget;
  Worker w1, w2;
  std::shared_ptr<Shard> s1, s2;
  TwoShards(const PoolKey& key, std::uint32_t size, std::uint32_t max_clients = 0)
      : budget(std::make_shared<Budget>(key, size, 0, max_clients)),
        s1(Shard::make(budget, config(size), w1.post())),
        s2(Shard::make(budget, config(size), w2.post())) {}
};

class ShardTest : public ::testing::Test {
 protected:
  PoolKey key{"t", "127.0.0.1:5432", "db", "u"};
  int alive = 0;
  Clock::time_point now = Clock::now();
  std::unique_ptr<ServerHandle> server() { return std::make_unique<FakeServer>(&alive); }
  // Acquire with an immediate connect, as a driver would do it.
  std::unique_ptr<ServerHandle> lease(Shard& s) {
    auto g = s.try_acquire(now);
    if (!g) return nullptr;
    if (g->kind == Grant::Kind::connect) {
      s.connected();
      return server();
    }
    return std::move(g->server);
  }
};

TEST_F(ShardTest, ConnectsUpToSizeThenQueuesFifo) {
  auto budget = std::make_shared<Budget>(key, 2, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(2), w.post());
  auto a = lease(*s);
  auto b = lease(*s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(budget->in_use(), 2u);
  EXPECT_FALSE(s->try_acquire(now));
  std::vector<int> order;
  std::unique_ptr<ServerHandle> got1, got2;
  s->wait(now, [&](Grant g) {
    order.push_back(1);
    got1 = std::move(g.server);
  });
  s->wait(now, [&](Grant g) {
    order.push_back(2);
    got2 = std::move(g.server);
  });
  EXPECT_EQ(s->counters().clients_waiting.load(), 2u);
  s->release(std::move(a), true, now);
  ASSERT_EQ(order, std::vector<int>{1});
  EXPECT_TRUE(got1);
  s->release(std::move(b), true, now);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(budget->in_use(), 2u);
  EXPECT_EQ(alive, 2);
}

TEST_F(ShardTest, ReleasedConnectionIsReused) {
  auto budget = std::make_shared<Budget>(key, 1, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(1), w.post());
  auto a = lease(*s);
  ServerHandle* raw = a.get();
  s->release(std::move(a), true, now);
  EXPECT_EQ(s->idle_count(), 1u);
  auto g = s->try_acquire(now);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, Grant::Kind::server);
  EXPECT_EQ(g->server.get(), raw);
}

TEST_F(ShardTest, BrokenConnectionPassesItsSlotToAWaiter) {
  auto budget = std::make_shared<Budget>(key, 1, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(1), w.post());
  auto a = lease(*s);
  Grant::Kind kind = Grant::Kind::failed;
  s->wait(now, [&](Grant g) { kind = g.kind; });
  s->release(std::move(a), false, now);
  EXPECT_EQ(kind, Grant::Kind::connect);
  EXPECT_EQ(alive, 0);
  EXPECT_EQ(budget->in_use(), 1u);
  s->connect_failed();
  EXPECT_EQ(budget->in_use(), 0u);
}

TEST_F(ShardTest, CancelledWaiterIsNotGranted) {
  auto budget = std::make_shared<Budget>(key, 1, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(1), w.post());
  auto a = lease(*s);
  bool granted = false;
  auto id = s->wait(now, [&](Grant) { granted = true; });
  EXPECT_TRUE(s->cancel(id));
  EXPECT_FALSE(s->cancel(id));
  s->release(std::move(a), true, now);
  EXPECT_FALSE(granted);
  EXPECT_EQ(s->idle_count(), 1u);
}

// The size is process-wide: a worker holding every slot idle gives one up
// when another worker's client waits.
TEST_F(ShardTest, IdleConnectionsMoveToTheStarvingWorker) {
  TwoShards two(key, 2);
  auto& [budget, w1, w2, s1, s2] = two;
  auto a = lease(*s1);
  auto b = lease(*s1);
  s1->release(std::move(a), true, now);
  s1->release(std::move(b), true, now);
  EXPECT_EQ(s1->idle_count(), 2u);
  EXPECT_FALSE(s2->try_acquire(now));
  Grant::Kind kind = Grant::Kind::failed;
  s2->wait(now, [&](Grant g) { kind = g.kind; });
  EXPECT_EQ(kind, Grant::Kind::failed);  // not yet: worker 1 must act first
  w1.run();                              // sheds one idle connection
  EXPECT_EQ(s1->idle_count(), 1u);
  w2.run();  // the freed slot wakes worker 2
  EXPECT_EQ(kind, Grant::Kind::connect);
  s2->connected();
  EXPECT_EQ(budget->in_use(), 2u);  // never above size
  EXPECT_FALSE(budget->anyone_starving());
}

TEST_F(ShardTest, BusyWorkerClosesOnReleaseWhileAnotherStarves) {
  TwoShards two(key, 1);
  auto& [budget, w1, w2, s1, s2] = two;
  auto a = lease(*s1);
  bool granted = false;
  s2->wait(now, [&](Grant g) { granted = g.kind == Grant::Kind::connect; });
  w1.run();
  s1->release(std::move(a), true, now);  // closes instead of keeping it idle
  EXPECT_EQ(s1->idle_count(), 0u);
  EXPECT_EQ(alive, 0);
  w2.run();
  EXPECT_TRUE(granted);
}

// The oldest waiter anywhere goes first: a busy worker with its own (newer)
// waiters still gives the slot up to an older waiter on another worker.
TEST_F(ShardTest, OldestWaiterAcrossWorkersGoesFirst) {
  TwoShards two(key, 1);
  auto& [budget, w1, w2, s1, s2] = two;
  auto a = lease(*s1);
  bool peer = false, local = false;
  s2->wait(now, [&](Grant g) { peer = g.kind == Grant::Kind::connect; });
  s1->wait(now + std::chrono::milliseconds(5), [&](Grant) { local = true; });
  s1->release(std::move(a), true, now + std::chrono::milliseconds(6));
  EXPECT_FALSE(local);
  w2.run();
  EXPECT_TRUE(peer);
  EXPECT_EQ(budget->in_use(), 1u);
}

// Busy, not starving: both workers serve many clients and hold their due
// (size split by clients); a release goes to the worker's own next waiter,
// even when the other worker's waiter is older. Trading the connection would
// close it and make the other worker log in anew for every transaction.
TEST_F(ShardTest, BusyWorkersAtTheirDueKeepTheirConnections) {
  TwoShards two(key, 4);
  auto& [budget, w1, w2, s1, s2] = two;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(s1->client_attached());
    ASSERT_TRUE(s2->client_attached());
  }
  std::vector<std::unique_ptr<ServerHandle>> held1, held2;
  for (int i = 0; i < 2; ++i) {
    held1.push_back(lease(*s1));
    held2.push_back(lease(*s2));
  }
  ASSERT_EQ(budget->in_use(), 4u);
  int peer = 0, local = 0;
  std::vector<std::unique_ptr<ServerHandle>> granted;  // as a driver would hold them
  s2->wait(now, [&](Grant g) {
    ++peer;
    granted.push_back(std::move(g.server));
  });
  s1->wait(now + std::chrono::milliseconds(5), [&](Grant g) {
    local += g.kind == Grant::Kind::server;
    granted.push_back(std::move(g.server));
  });
  w1.run();
  w2.run();
  EXPECT_FALSE(budget->anyone_starving());
  int before = alive;
  s1->release(std::move(held1.back()), true, now + std::chrono::milliseconds(6));
  EXPECT_EQ(local, 1);  // its own waiter, on the same connection
  EXPECT_EQ(peer, 0);
  EXPECT_EQ(alive, before);  // nothing closed
  s2->release(std::move(held2.back()), true, now + std::chrono::milliseconds(7));
  EXPECT_EQ(peer, 1);
  EXPECT_EQ(budget->in_use(), 4u);
}

// A worker that holds more than its due gives a released connection up to a
// worker below its due, even with waiters of its own.
TEST_F(ShardTest, WorkerAboveItsDueFeedsAStarvingOne) {
  TwoShards two(key, 4);
  auto& [budget, w1, w2, s1, s2] = two;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(s1->client_attached());
    ASSERT_TRUE(s2->client_attached());
  }
  std::vector<std::unique_ptr<ServerHandle>> held;
  for (int i = 0; i < 4; ++i) held.push_back(lease(*s1));
  bool peer = false, local = false;
  s1->wait(now, [&](Grant) { local = true; });  // older than the peer's
  s2->wait(now + std::chrono::milliseconds(5),
           [&](Grant g) { peer = g.kind == Grant::Kind::connect; });
  EXPECT_TRUE(budget->anyone_starving());
  w1.run();
  s1->release(std::move(held.back()), true, now + std::chrono::milliseconds(6));
  EXPECT_FALSE(local);
  w2.run();
  EXPECT_TRUE(peer);
  EXPECT_EQ(budget->in_use(), 4u);
}

TEST_F(ShardTest, LifetimeAndIdleTimeoutCloseConnections) {
  auto budget = std::make_shared<Budget>(key, 2, 0, 0);
  Worker w;
  auto cfg = config(2);
  cfg.server_idle_timeout = std::chrono::seconds(10);
  cfg.server_lifetime = std::chrono::seconds(100);
  auto s = Shard::make(budget, cfg, w.post());
  auto a = lease(*s);
  s->release(std::move(a), true, now);
  EXPECT_EQ(s->maintain(now + std::chrono::seconds(5)), 0u);
  EXPECT_EQ(s->idle_count(), 1u);
  s->maintain(now + std::chrono::seconds(11));
  EXPECT_EQ(s->idle_count(), 0u);
  EXPECT_EQ(budget->in_use(), 0u);
  auto b = lease(*s);
  s->release(std::move(b), true, Clock::now() + std::chrono::seconds(101));
  EXPECT_EQ(s->idle_count(), 0u);  // too old to keep
}

TEST_F(ShardTest, MinIdleAsksForConnectsAndBacksOff) {
  auto budget = std::make_shared<Budget>(key, 4, 0, 0);
  Worker w;
  auto cfg = config(4);
  cfg.min_idle = 2;
  auto s = Shard::make(budget, cfg, w.post());
  EXPECT_EQ(s->maintain(now), 2u);
  s->add_idle(server(), now);
  s->connect_failed();
  EXPECT_EQ(s->idle_count(), 1u);
  EXPECT_EQ(s->maintain(Clock::now()), 0u);  // backing off
  EXPECT_EQ(s->maintain(Clock::now() + std::chrono::seconds(1)), 1u);
}

TEST_F(ShardTest, ReserveServesLongWaiters) {
  auto budget = std::make_shared<Budget>(key, 1, 1, 0);
  Worker w;
  auto cfg = config(1);
  cfg.reserve_size = 1;
  cfg.reserve_timeout = std::chrono::milliseconds(100);
  auto s = Shard::make(budget, cfg, w.post());
  auto a = lease(*s);
  bool granted = false;
  s->wait(now, [&](Grant g) { granted = g.kind == Grant::Kind::connect; });
  s->maintain(now + std::chrono::milliseconds(50));
  EXPECT_FALSE(granted);
  s->maintain(now + std::chrono::milliseconds(150));
  EXPECT_TRUE(granted);
  EXPECT_EQ(budget->in_use(), 2u);
}

TEST_F(ShardTest, MaxClientConnectionsPerPool) {
  TwoShards two(key, 1, 2);
  auto& [budget, w1, w2, s1, s2] = two;
  EXPECT_TRUE(s1->client_attached());
  EXPECT_TRUE(s2->client_attached());
  EXPECT_FALSE(s1->client_attached());
  s2->client_detached();
  EXPECT_TRUE(s1->client_attached());
}

TEST_F(ShardTest, SnapshotSumsShards) {
  PoolRegistry registry;
  Worker w1, w2;
  WorkerPools p1(registry, w1.post()), p2(registry, w2.post());
  auto s1 = p1.shard(key, config(3));
  auto s2 = p2.shard(key, config(3));
  ASSERT_NE(s1, s2);
  EXPECT_EQ(&s1->budget(), &s2->budget());
  auto a = lease(*s1);
  auto b = lease(*s2);
  s2->release(std::move(b), true, now);
  ShardCounters::add(s1->counters().transactions, 3);
  ShardCounters::add(s1->counters().xact_time_us, 300);
  auto snaps = registry.snapshot();
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].servers_active, 1u);
  EXPECT_EQ(snaps[0].servers_idle, 1u);
  EXPECT_EQ(snaps[0].budget_in_use, 2u);
  EXPECT_EQ(snaps[0].transactions, 3u);
  EXPECT_EQ(snaps[0].avg_xact_time_us, 100u);
  EXPECT_EQ(snaps[0].mode, "transaction");
  s1->release(std::move(a), true, now);
}

TEST_F(ShardTest, ShutdownFailsWaitersAndClosesIdle) {
  auto budget = std::make_shared<Budget>(key, 1, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(1), w.post());
  auto a = lease(*s);
  Grant::Kind kind = Grant::Kind::server;
  s->wait(now, [&](Grant g) { kind = g.kind; });
  s->shutdown();
  EXPECT_EQ(kind, Grant::Kind::failed);
  s->release(std::move(a), true, now);
  EXPECT_EQ(alive, 0);
  EXPECT_EQ(budget->in_use(), 0u);
}

// The backend still counts a closing connection until its goodbye is done:
// its slot goes to the waiter only then, never while both could be seen.
TEST_F(ShardTest, SlotReturnsOnlyAfterTheBackendLetGo) {
  auto budget = std::make_shared<Budget>(key, 1, 0, 0);
  Worker w;
  auto s = Shard::make(budget, config(1), w.post());
  ASSERT_TRUE(s->try_acquire(now)->kind == Grant::Kind::connect);
  s->connected();
  std::function<void()> gone;
  auto slow = std::make_unique<SlowServer>(&alive, &gone);
  Grant::Kind kind = Grant::Kind::failed;
  s->wait(now, [&](Grant g) { kind = g.kind; });
  s->release(std::move(slow), /*reusable=*/false, now);
  EXPECT_EQ(kind, Grant::Kind::failed) << "granted before the old connection was gone";
  EXPECT_EQ(budget->in_use(), 1u);
  ASSERT_TRUE(gone);
  gone();
  EXPECT_EQ(kind, Grant::Kind::connect);
  EXPECT_EQ(budget->in_use(), 1u);
  s->connect_failed();  // the waiter's connect fails: the slot returns
  EXPECT_EQ(budget->in_use(), 0u);
}

TEST_F(ShardTest, PauseHoldsNewLeasesUntilResume) {
  TwoShards two(key, 2);
  auto& [budget, w1, w2, s1, s2] = two;
  auto a = lease(*s1);  // a transaction in progress
  ASSERT_TRUE(a);
  budget->pause();
  EXPECT_FALSE(s1->try_acquire(now));  // nothing new is lent
  EXPECT_FALSE(s2->try_acquire(now));
  int granted = 0;
  s2->wait(now, [&](Grant) { ++granted; });
  s1->release(std::move(a), true, now);  // the transaction ends: idle, not lent
  w1.run();
  w2.run();
  EXPECT_EQ(granted, 0);
  EXPECT_EQ(s1->idle_count(), 1u);
  EXPECT_EQ(budget->snapshot().servers_active, 0u);  // the pause is complete
  s2->maintain(now);
  w1.run();
  EXPECT_EQ(s1->idle_count(), 1u) << "a paused waiter must not make peers shed";
  budget->resume();
  w1.run();
  w2.run();
  EXPECT_EQ(granted, 1);
}

}  // namespace
}  // namespace sw::pool
