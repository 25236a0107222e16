"""What bench/run measures. Adding a row is adding one line here.

A target is one way of reaching a backend: directly, or through a proxy
instance (kind + pool mode + pool size). `requires` names a feature probe
(probes.py); a target whose probe fails is skipped with the probe's note,
so rows for features that have not landed yet sit here ready and switch on
by themselves once main has the feature.
"""
from dataclasses import dataclass, field

SESSION_POOL = 120  # session mode needs a server connection per client: >= largest client count
TXN_POOL = 20       # the documented default pool size ([pool] size)


@dataclass(frozen=True)
class Target:
    name: str
    proxy: str = None                 # None (direct) | "sqlwarden" | "pgbouncer"
    pool_mode: str = "session"
    pool_size: int = SESSION_POOL
    user: str = "app"                 # demo user; sqlwarden maps it to its profile
    requires: str = None              # feature probe that must pass (probes.py)
    only: tuple = ()                  # tests ("select simple 16") or scripts this target runs ((): all)
    skip_modes: tuple = ()            # pgbench -M modes this target cannot serve
    audit: bool = False               # sqlwarden with the JSONL audit trail on (fsync interval)
    sections: tuple = ()              # sections this target runs in ((): all)

    def runs(self, section, test, script=None):
        """Whether this target takes part in `test` ("select simple 16") of `section`."""
        if self.sections and section not in self.sections:
            return False
        return not self.only or test in self.only or (script is not None and script in self.only)

    @property
    def instance_key(self):
        if not self.proxy:
            return None
        return f"{self.proxy}-{self.pool_mode}-{self.pool_size}" + ("-audit" if self.audit else "")


# The main rows run every test of a section; the narrower rows (a policy
# profile, the audit trail) answer one question each on a few tests, which
# keeps a full run near half an hour on 2 cores.
HAPROXY = Target("haproxy tcp", "haproxy")  # the layer-4 floor: relays bytes, parses nothing

PG_TARGETS = [
    Target("direct"),
    Target("sqlwarden allow_all", "sqlwarden"),
    Target("sqlwarden transaction", "sqlwarden", "transaction", TXN_POOL, requires="pg_multiplexing"),
    Target("pgbouncer session", "pgbouncer"),
    Target("pgbouncer transaction", "pgbouncer", "transaction", TXN_POOL, requires="pg_multiplexing",
           skip_modes=("prepared",)),  # PgBouncer 1.18 has no prepared-statement tracking
    HAPROXY,
    Target("sqlwarden read_only", "sqlwarden", user="reader", requires="pg_read_only",
           only=("select simple 16",), sections=("pg",)),
    # Acceptance 5 of the audit issue: the same proxy with the JSONL audit on
    # (fsync interval) — throughput ratio against "sqlwarden allow_all" >= 0.9.
    Target("sqlwarden allow_all + audit", "sqlwarden", audit=True, requires="audit_records",
           only=("select simple 16", "select prepared 16"), sections=("pg",)),
]

MY_TARGETS = [
    Target("direct"),
    Target("sqlwarden allow_all", "sqlwarden"),
    Target("sqlwarden transaction", "sqlwarden", "transaction", TXN_POOL),
    HAPROXY,
    Target("sqlwarden read_only", "sqlwarden", user="reader", requires="my_read_only",
           only=("oltp_point_select auto 16",)),  # oltp_read_only wraps events in BEGIN/COMMIT, which read_only denies
    Target("sqlwarden allow_all + audit", "sqlwarden", audit=True, requires="audit_records",
           only=("oltp_point_select auto 16", "oltp_point_select disable 16")),
]

# LISTEN fan-out: direct (one server connection per listener) against the
# pooled proxy (one listening server connection for all of them).
LISTEN_TARGETS = [
    Target("direct"),
    Target("sqlwarden transaction", "sqlwarden", "transaction", TXN_POOL),
]

# Idle-client memory: proxies only (direct has no proxy to weigh), pooled
# (an idle client of a pooled proxy holds no server connection).
IDLE_TARGETS = [
    Target("sqlwarden transaction", "sqlwarden", "transaction", TXN_POOL),
    Target("pgbouncer transaction", "pgbouncer", "transaction", TXN_POOL),
]


@dataclass
class Plan:
    rounds: int
    seconds: int               # per throughput run
    pgbench_scale: int
    pg_tests: list             # (script, mode, clients)
    latency_modes: list        # pgbench -S -c 1 per mode, p50/p99 from the per-transaction log
    connect_clients: int       # pgbench -S -C clients
    my_tests: list             # (sysbench test, ps mode, threads)
    sysbench_tables: int
    sysbench_table_size: int
    idle_counts: list
    micro: bool
    listen_counts: list = field(default_factory=lambda: [1, 100, 1000])
    notes: list = field(default_factory=list)


def full_plan():
    pg = [("select", mode, clients) for clients in (16, 100) for mode in ("simple", "extended", "prepared")]
    pg += [("tpcb", mode, 16) for mode in ("simple", "prepared")]
    my = [(test, ps, 16) for test in ("oltp_point_select", "oltp_read_only") for ps in ("auto", "disable")]
    return Plan(rounds=3, seconds=4, pgbench_scale=10, pg_tests=pg, latency_modes=["simple", "prepared"],
                connect_clients=8, my_tests=my, sysbench_tables=4, sysbench_table_size=10000,
                idle_counts=[1000, 10000], micro=True)


def quick_plan():
    pg = [("select", mode, 16) for mode in ("simple", "extended", "prepared")] + [("tpcb", "simple", 16)]
    my = [("oltp_point_select", ps, 16) for ps in ("auto", "disable")]
    return Plan(rounds=1, seconds=2, pgbench_scale=2, pg_tests=pg, latency_modes=["simple"],
                connect_clients=8, my_tests=my, sysbench_tables=2, sysbench_table_size=5000,
                idle_counts=[1000], micro=False, listen_counts=[1, 100],
                notes=["--quick: one round (no spread), 2 s runs, 16 clients only, "
                       "TPC-B in simple mode only, sysbench point select only, 1,000 idle clients only."])
