#!/usr/bin/python3
"""Consumer groups with real clients against a running warpd (groups_test.cc).

Usage: groups.py BOOTSTRAP SCENARIO [ARGS...]. Prints "OK <details>" on
success and exits non-zero with a reason otherwise. Every wait polls a
condition until a generous deadline; nothing depends on a fixed sleep.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BOOTSTRAP, SCENARIO, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]
SESSION_MS = 6000
HEARTBEAT_MS = 1000


def fail(msg):
    print("FAIL", msg, flush=True)
    sys.exit(1)


def wait_for(what, condition, timeout=60, step=None, report=None):
    """Polls `condition` (calling `step` in between) until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if step:
            step()
        else:
            time.sleep(0.05)
    fail(f"timed out waiting for {what}" + (": " + report() if report else ""))


def create_topic(name, partitions, config=None):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    a.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                              config=config or {})])[name].result(30)


def produce(topic, partitions, per_partition, start=0):
    """Produces values "p<partition>-<seq>" for seq in [start, start+n)."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5, "enable.idempotence": True})
    errors = []
    for seq in range(start, start + per_partition):
        for part in range(partitions):
            p.produce(topic, value=b"p%d-%d" % (part, seq), key=b"%d" % seq, partition=part,
                      on_delivery=lambda e, m: e and errors.append(e))
    if p.flush(30) != 0 or errors:
        fail(f"produce to {topic}: {errors[:3]}")


# ---------------------------------------------------------------------------
# A raw Kafka client for error-code probes (v0 requests, one connection).

class Raw:
    def __init__(self):
        host, port = BOOTSTRAP.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.correlation = 0

    @staticmethod
    def string(s):
        if s is None:
            return struct.pack(">h", -1)
        b = s.encode()
        return struct.pack(">h", len(b)) + b

    @staticmethod
    def bytes_(b):
        return struct.pack(">i", len(b)) + b

    def call(self, api_key, version, body):
        self.correlation += 1
        header = struct.pack(">hhi", api_key, version, self.correlation) + self.string("raw")
        frame = header + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self._read(4))[0]
        data = self._read(size)
        if struct.unpack(">i", data[:4])[0] != self.correlation:
            fail("raw: correlation mismatch")
        return Reader(data[4:])

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                fail("raw: connection closed")
            out += chunk
        return out

    def join(self, group, member_id, protocol_type, protocols, session_ms=SESSION_MS):
        """JoinGroup v0: (error, generation, protocol, leader, member id)."""
        body = self.string(group) + struct.pack(">i", session_ms) + self.string(member_id)
        body += self.string(protocol_type) + struct.pack(">i", len(protocols))
        for name in protocols:
            body += self.string(name) + self.bytes_(b"")
        r = self.call(11, 0, body)
        return r.i16(), r.i32(), r.str(), r.str(), r.str()

    def sync(self, group, generation, member_id, assignments):
        body = self.string(group) + struct.pack(">i", generation) + self.string(member_id)
        body += struct.pack(">i", len(assignments))
        for member, data in assignments:
            body += self.string(member) + self.bytes_(data)
        return self.call(14, 0, body).i16()

    def heartbeat(self, group, generation, member_id):
        body = self.string(group) + struct.pack(">i", generation) + self.string(member_id)
        return self.call(12, 0, body).i16()

    def leave(self, group, member_id):
        return self.call(13, 0, self.string(group) + self.string(member_id)).i16()

    def describe(self, group):
        """DescribeGroups v0 of one group: (error, state, [(member, client id)])."""
        r = self.call(15, 0, struct.pack(">i", 1) + self.string(group))
        r.i32()
        error, _, state, _, _ = r.i16(), r.str(), r.str(), r.str(), r.str()
        members = []
        for _ in range(r.i32()):
            member, client, _, _, _ = r.str(), r.str(), r.str(), r.bytes_(), r.bytes_()
            members.append((member, client))
        return error, state, members

    def offset_fetch(self, group, topic, partitions):
        """OffsetFetch v1: [(partition, offset, metadata, error)]."""
        body = self.string(group) + struct.pack(">i", 1) + self.string(topic)
        body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p)
                                                              for p in partitions)
        r = self.call(9, 1, body)
        out = []
        for _ in range(r.i32()):
            r.str()
            for _ in range(r.i32()):
                out.append((r.i32(), r.i64(), r.str(), r.i16()))
        return out

    def generation(self, group, member_id):
        """The group's generation, found by heartbeating as `member_id`."""
        for g in range(0, 200):
            if self.heartbeat(group, g, member_id) == 0:
                return g
        return None


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def i16(self):
        return self._take(">h")

    def i32(self):
        return self._take(">i")

    def i64(self):
        return self._take(">q")

    def str(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def bytes_(self):
        n = self.i32()
        if n < 0:
            return None
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b


# ---------------------------------------------------------------------------
# kafka-python: three members as processes, leave, kill, commit, restart.

def kp_member():
    """One kafka-python member: logs JSON lines to ARGS[3] until ARGS[4] exists.

    {"assign": [...]} after each rebalance, {"rec": [p, offset], "t": t} per
    record, {"commit": {p: offset}, "t": t} after each successful commit.
    Commits synchronously after each batch of records.
    """
    from kafka import KafkaConsumer, ConsumerRebalanceListener
    from kafka.errors import CommitFailedError
    group, topic, name, log_path, stop_path = ARGS
    log = open(log_path, "a", buffering=1)

    def write(obj):
        obj["t"] = time.monotonic()
        log.write(json.dumps(obj) + "\n")

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            write({"revoke": sorted(tp.partition for tp in revoked)})

        def on_partitions_assigned(self, assigned):
            write({"assign": sorted(tp.partition for tp in assigned)})

    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, client_id=name,
                      enable_auto_commit=False, auto_offset_reset="earliest",
                      session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS,
                      max_poll_records=50)
    c.subscribe([topic], listener=Listener())
    while not os.path.exists(stop_path):
        batch = c.poll(timeout_ms=200)
        positions = {}
        for tp, records in batch.items():
            for m in records:
                write({"rec": [tp.partition, m.offset], "v": m.value.decode()})
                positions[tp] = m.offset + 1
        if positions:
            from kafka.structs import OffsetAndMetadata
            try:
                c.commit({tp: OffsetAndMetadata(o, None) for tp, o in positions.items()})
                write({"commit": {tp.partition: o for tp, o in positions.items()}})
            except CommitFailedError as e:
                write({"commit_failed": str(e)})
    c.close()
    write({"closed": True})


class Member:
    """A kp_member subprocess and its log."""

    def __init__(self, workdir, group, topic, name):
        self.name = name
        self.log = os.path.join(workdir, name + ".log")
        self.stop = os.path.join(workdir, name + ".stop")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), BOOTSTRAP, "kp-member", group, topic,
             name, self.log, self.stop],
            stdout=open(self.log + ".out", "w"), stderr=subprocess.STDOUT)

    def events(self):
        if not os.path.exists(self.log):
            return []
        out = []
        with open(self.log) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
        return out

    def assignment(self):
        """The member's partitions after its latest rebalance."""
        current = None
        for e in self.events():
            if "assign" in e:
                current = set(e["assign"])
            elif "revoke" in e:
                current = None
        return current

    def close(self):
        open(self.stop, "w").close()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            fail(f"{self.name} did not close within 60 s")
        if not any("closed" in e for e in self.events()):
            fail(f"{self.name} exited without closing: {open(self.log + '.out').read()}")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def partitioned(members, partitions):
    """Whether `members` own every partition exactly once (all assigned)."""
    seen = []
    for m in members:
        a = m.assignment()
        if a is None:
            return False
        seen.extend(a)
    return sorted(seen) == list(range(partitions))


def consumed_upto(members, partitions, end):
    got = set()
    for m in members:
        for e in m.events():
            if "rec" in e:
                got.add(tuple(e["rec"]))
    return all((p, end - 1) in got for p in range(partitions))


def kafka_python_group():
    topic, group, parts = "kpg", "kpg-group", 12
    create_topic(topic, parts)
    produce(topic, parts, 20)
    workdir = tempfile.mkdtemp(prefix="kpg-")
    everyone = [Member(workdir, group, topic, n) for n in ("a", "b", "c")]
    a, b, c = everyone
    wait_for("three members to share 12 partitions", lambda: partitioned(everyone, parts) and
             all(len(m.assignment()) == 4 for m in everyone))
    wait_for("the first records", lambda: consumed_upto(everyone, parts, 20))
    a.close()  # LeaveGroup
    wait_for("b and c to take a's partitions", lambda: partitioned([b, c], parts))
    produce(topic, parts, 20, start=20)
    wait_for("records after a left", lambda: consumed_upto([b, c], parts, 40))
    kill_time = time.monotonic()
    b.kill9()
    produce(topic, parts, 20, start=40)
    wait_for("c to take every partition after b's death", lambda: partitioned([c], parts),
             timeout=SESSION_MS / 1000 * 5)
    reassigned = max(e["t"] for e in c.events() if "assign" in e) - kill_time
    wait_for("records after b's death", lambda: consumed_upto([c], parts, 60))
    c.close()  # commits were synchronous: c's position is committed
    produce(topic, parts, 20, start=60)
    d = Member(workdir, group, topic, "d")  # restart: resumes from the commits
    everyone.append(d)
    wait_for("d to resume", lambda: consumed_upto([d], parts, 80))
    d.close()
    # Every record consumed at least once; a record consumed again only if no
    # commit covering it had completed before.
    commits, reads = [], []
    for m in everyone:
        for e in m.events():
            if "commit" in e:
                for p, o in e["commit"].items():
                    commits.append((e["t"], int(p), o))
            if "rec" in e:
                reads.append((e["t"], e["rec"][0], e["rec"][1], e["v"], m.name))
    reads.sort()
    first = {}
    duplicates = 0
    for t, p, o, v, name in reads:
        if v != f"p{p}-{o}":
            fail(f"partition {p} offset {o} holds {v}")
        if (p, o) in first:
            duplicates += 1
            covered = [c for c in commits if c[1] == p and c[2] > o and c[0] < t]
            if covered:
                fail(f"{name} re-read {p}/{o} after commit {covered[0]} covered it")
        first.setdefault((p, o), name)
    missing = [(p, o) for p in range(parts) for o in range(80) if (p, o) not in first]
    if missing:
        fail(f"records never consumed: {missing[:10]}")
    resumed_below = [e["rec"] for e in d.events() if "rec" in e and e["rec"][1] < 60]
    if resumed_below:
        fail(f"d re-read committed records {resumed_below[:5]}")
    print(f"OK kafka-python group duplicates={duplicates} "
          f"reassigned_after_kill={reassigned:.1f}s", flush=True)


# ---------------------------------------------------------------------------
# confluent-kafka: range and cooperative-sticky, static membership, 20 groups.

class Confluent:
    """A confluent-kafka consumer tracking its assignment through callbacks."""

    def __init__(self, group, topic, strategy="range", instance=None, extra=None, logs=None):
        from confluent_kafka import Consumer
        config = {"bootstrap.servers": BOOTSTRAP, "group.id": group,
                  "partition.assignment.strategy": strategy,
                  "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "statistics.interval.ms": 500, "stats_cb": self._stats}
        if instance:
            config["group.instance.id"] = instance
        if logs is not None:
            import logging
            logger = logging.getLogger(f"{group}-{id(self)}")
            logger.propagate = False
            logger.addHandler(ListHandler(logs))
            logger.setLevel(logging.DEBUG)
            config["logger"] = logger
            config["debug"] = "cgrp"
        config.update(extra or {})
        self.group = group
        self.cooperative = strategy == "cooperative-sticky"
        self.assigned = set()
        self.assigns, self.revokes = [], []
        self.rebalance_cnt = 0
        self.consumer = Consumer(config)
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _stats(self, stats):
        self.rebalance_cnt = json.loads(stats).get("cgrp", {}).get("rebalance_cnt", 0)

    def _on_assign(self, consumer, partitions):
        ps = {tp.partition for tp in partitions}
        self.assigns.append(ps)
        if self.cooperative:
            self.assigned |= ps
        else:
            self.assigned = ps

    def _on_revoke(self, consumer, partitions):
        ps = {tp.partition for tp in partitions}
        self.revokes.append(ps)
        self.assigned = self.assigned - ps if self.cooperative else set()

    def poll(self):
        m = self.consumer.poll(0.02)
        return None if m is None or m.error() else m

    def close(self):
        self.consumer.close()


class ListHandler:
    """A logging handler that appends messages to a list."""

    def __init__(self, out):
        import logging
        self.level = logging.DEBUG
        self.out = out

    def handle(self, record):
        self.out.append(record.getMessage())

    def __getattr__(self, name):  # the rest of logging.Handler is not needed
        return lambda *a, **k: None


def poll_all(consumers):
    return lambda: [c.poll() for c in consumers]


def covers(consumers, parts):
    seen = sorted(p for c in consumers for p in c.assigned)
    return seen == list(range(parts))


def confluent_strategy(strategy):
    topic, group, parts = f"cs-{strategy}", f"cs-{strategy}-group", 12
    create_topic(topic, parts)
    produce(topic, parts, 10)
    members = [Confluent(group, topic, strategy) for _ in range(3)]
    wait_for(f"{strategy}: three members to share 12 partitions",
             lambda: covers(members, parts) and all(len(m.assigned) == 4 for m in members),
             step=poll_all(members))
    kept = [set(m.assigned) for m in members[1:]]
    revokes_before = [len(m.revokes) for m in members[1:]]
    assigns_before = [len(m.assigns) for m in members[1:]]
    members[0].close()
    rest = members[1:]
    wait_for(f"{strategy}: two members to share 12 partitions",
             lambda: covers(rest, parts) and all(len(m.assigned) == 6 for m in rest),
             step=poll_all(rest))
    if strategy == "cooperative-sticky":
        # Incremental: the survivors keep their partitions and only gain.
        for m, before, n, assigns_n in zip(rest, kept, revokes_before, assigns_before):
            if not before <= m.assigned:
                fail(f"cooperative member lost partitions: {before} -> {m.assigned}")
            if any(r for r in m.revokes[n:]):
                fail(f"cooperative member had partitions revoked: {m.revokes[n:]}")
            # The callbacks bring only the added partitions, never the kept ones.
            if any(a & before for a in m.assigns[assigns_n:]):
                fail(f"cooperative assignments were not incremental: {m.assigns}")
    for m in rest:
        m.close()
    print(f"OK confluent {strategy}", flush=True)


def confluent_strategies():
    confluent_strategy("range")
    confluent_strategy("cooperative-sticky")


def static_membership():
    topic, group, parts = "static", "static-group", 6
    create_topic(topic, parts)
    raw = Raw()
    s1 = Confluent(group, topic, instance="instance-1")
    s2 = Confluent(group, topic, instance="instance-2")
    both = [s1, s2]
    wait_for("two static members to share 6 partitions",
             lambda: covers(both, parts) and len(s1.assigned) == 3 and len(s2.assigned) == 3,
             step=poll_all(both))

    def stable_generation():
        error, state, members = raw.describe(group)
        if state != "Stable" or len(members) != 2:
            return None, members
        return raw.generation(group, members[0][0]), members

    generation, members = stable_generation()
    if generation is None:
        fail(f"no stable generation: {members}")
    s1_partitions = set(s1.assigned)
    # Counted from here: while the group formed, s2 may have had every
    # partition for a moment (it joined first) and given half back.
    s2_assigns, s2_revokes = len(s2.assigns), len(s2.revokes)
    s1.close()  # a static member sends no LeaveGroup
    s1 = Confluent(group, topic, instance="instance-1")
    wait_for("the restarted static member's assignment", lambda: s1.assigned == s1_partitions,
             step=poll_all([s1, s2]))
    # The other member saw no rebalance; the generation did not change.
    for _ in range(20):
        poll_all([s1, s2])()
    after, members_after = stable_generation()
    if after != generation:
        fail(f"generation changed from {generation} to {after}")
    if len(s2.assigns) != s2_assigns or len(s2.revokes) != s2_revokes:
        fail(f"the other static member rebalanced: {s2.assigns} {s2.revokes}")
    if members_after[0][0] == members[0][0] and members_after[1][0] == members[1][0]:
        fail("the restarted static member kept its old member id")
    s1.close()
    s2.close()
    print(f"OK static membership generation={generation}", flush=True)


def twenty_groups():
    topic, parts, groups_n = ARGS[0] if ARGS else "many-groups", 12, 20
    create_topic(topic, parts)
    logs = []
    groups = [[Confluent(f"{topic}-{g}", topic, logs=logs) for _ in range(3)]
              for g in range(groups_n)]
    everyone = [m for g in groups for m in g]

    def converged(gs, size):
        return all(covers(g, parts) and all(len(m.assigned) == parts // size for m in g)
                   for g in gs)

    wait_for("20 groups of 3 to converge", lambda: converged(groups, 3), timeout=120,
             step=poll_all(everyone))
    # Every group loses a member at once.
    for g in groups:
        g[0].close()
    rest = [g[1:] for g in groups]
    everyone = [m for g in rest for m in g]
    def report():
        raw = Raw()
        return "; ".join(f"{g[0].group}: {[sorted(m.assigned) for m in g]} {raw.describe(g[0].group)[:2]}"
                         for g in rest if not converged([g], 2))
    wait_for("20 groups of 2 to converge", lambda: converged(rest, 2), timeout=120,
             step=poll_all(everyone), report=report)
    for m in everyone:
        m.close()
    unknown = [line for line in logs if "UNKNOWN_MEMBER_ID" in line.upper() or
               "unknown member" in line.lower()]
    if unknown:
        fail(f"{len(unknown)} UNKNOWN_MEMBER_ID in client logs, e.g. {unknown[:3]}")
    print(f"OK 20 groups log_lines={len(logs)} unknown_member_id=0", flush=True)


def deleted_topic_close():
    """A cooperative-sticky member of two topics, one of them deleted, leaves.

    Its assignment shrinks to the other topic and its close() reaches warpd
    at once: the LeaveGroup is answered and the group is Empty. librdkafka
    2.0.2 to 2.6.0 then never finish destroying the client (a partition of the
    deleted topic keeps a reference to itself; the same against Kafka, fixed
    in 2.6.1 by librdkafka #4724): with those the end of close() is not
    awaited, with later ones it must come within 15 s.
    """
    from confluent_kafka import Consumer, libversion
    from confluent_kafka.admin import AdminClient
    keep, gone, group, parts = "deleted-keep", "deleted-gone", "deleted-group", 3
    create_topic(keep, parts)
    create_topic(gone, parts)
    assigned = set()

    def on_assign(consumer, partitions):
        assigned.update((tp.topic, tp.partition) for tp in partitions)

    def on_revoke(consumer, partitions):
        assigned.difference_update((tp.topic, tp.partition) for tp in partitions)

    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group,
                  "partition.assignment.strategy": "cooperative-sticky",
                  "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "topic.metadata.refresh.interval.ms": 1000})
    c.subscribe([keep, gone], on_assign=on_assign, on_revoke=on_revoke)
    step = lambda: c.poll(0.1)
    wait_for("both topics assigned", lambda: len(assigned) == 2 * parts, step=step)
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    admin.delete_topics([gone])[gone].result(30)
    only_keep = {(keep, p) for p in range(parts)}
    wait_for("the assignment to shrink to the kept topic", lambda: assigned == only_keep,
             step=step, report=lambda: str(sorted(assigned)))
    raw = Raw()

    def stable_with_one():
        _, state, members = raw.describe(group)
        return state == "Stable" and len(members) == 1

    wait_for("a stable group of one", stable_with_one)
    start = time.monotonic()
    closing = threading.Thread(target=c.close, daemon=True)
    closing.start()
    wait_for("the member's LeaveGroup", lambda: raw.describe(group)[1:] == ("Empty", []),
             timeout=15)
    left = time.monotonic() - start
    version, number = libversion()
    if number >= 0x020601ff:
        closing.join(15)
        if closing.is_alive():
            fail(f"librdkafka {version}: close() still blocked after 15 s")
        print(f"OK deleted topic close left={left:.1f}s closed="
              f"{time.monotonic() - start:.1f}s librdkafka={version}", flush=True)
    else:
        # The client's destroy never ends: leave without waiting for it.
        print(f"OK deleted topic close left={left:.1f}s librdkafka={version} "
              "(destroy hangs before 2.6.1)", flush=True)
        os._exit(0)


# ---------------------------------------------------------------------------
# Offsets with metadata, before and after a warpd restart; error codes.

def commit_metadata():
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata
    topic, group = "meta", "meta-group"
    create_topic(topic, 3)
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False)
    c.assign([TopicPartition(topic, p) for p in range(3)])
    c.commit({TopicPartition(topic, p): OffsetAndMetadata(100 + p, f"meta-{p}")
              for p in range(3)})
    c.close()
    check_metadata()


def check_metadata():
    from kafka import KafkaAdminClient, TopicPartition
    a = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    got = a.list_consumer_group_offsets("meta-group")
    a.close()
    want = {TopicPartition("meta", p): (100 + p, f"meta-{p}") for p in range(3)}
    if {tp: (o.offset, o.metadata) for tp, o in got.items()} != want:
        fail(f"committed offsets {got}")
    print("OK offsets with metadata", flush=True)


def auto_commit_close():
    """Consumers with enable.auto.commit close promptly and commit on close."""
    from confluent_kafka import Consumer, TopicPartition
    from kafka import KafkaConsumer, KafkaAdminClient
    topic = "autocommit"
    create_topic(topic, 2)
    produce(topic, 2, 10)
    for client in ("confluent", "kafka-python"):
        group = f"autocommit-{client}"
        seen = set()
        start = time.monotonic()
        if client == "confluent":
            c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group,
                          "auto.offset.reset": "earliest", "enable.auto.commit": True,
                          "auto.commit.interval.ms": 60000,
                          "session.timeout.ms": SESSION_MS})
            c.subscribe([topic])

            def step():
                m = c.poll(0.1)
                if m is not None and not m.error():
                    seen.add((m.partition(), m.offset()))
        else:
            c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=group,
                              auto_offset_reset="earliest", enable_auto_commit=True,
                              auto_commit_interval_ms=60000, session_timeout_ms=SESSION_MS,
                              heartbeat_interval_ms=HEARTBEAT_MS)

            def step():
                for tp, records in c.poll(100).items():
                    seen.update((tp.partition, m.offset) for m in records)
        wait_for(f"{client}: 20 records", lambda: len(seen) == 20, step=step)
        c.close()  # commits the positions (the interval has not elapsed)
        a = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
        committed = {tp.partition: o.offset for tp, o in
                     a.list_consumer_group_offsets(group).items()}
        a.close()
        if committed != {0: 10, 1: 10}:
            fail(f"{client}: committed on close {committed}")
        print(f"{client} consumed and closed in {time.monotonic() - start:.1f}s", flush=True)
    print("OK auto commit close", flush=True)


def error_codes():
    illegal_generation, unknown_member, inconsistent = 22, 25, 23
    raw = Raw()
    group = "errors-group"
    error, generation, protocol, leader, member = raw.join(group, "", "consumer", ["range"])
    if error != 0:
        fail(f"join: {error}")
    if raw.sync(group, generation, member, [(member, b"")]) != 0:
        fail("sync")
    if raw.heartbeat(group, generation + 5, member) != illegal_generation:
        fail("wrong generation is not ILLEGAL_GENERATION")
    if raw.heartbeat(group, generation, "nobody") != unknown_member:
        fail("unknown member is not UNKNOWN_MEMBER_ID")
    other = Raw()
    if other.join(group, "", "consumer", ["roundrobin"])[0] != inconsistent:
        fail("a disjoint protocol is not INCONSISTENT_GROUP_PROTOCOL")
    if other.join(group, "", "connect", ["range"])[0] != inconsistent:
        fail("another protocol type is not INCONSISTENT_GROUP_PROTOCOL")
    if raw.heartbeat(group, generation, member) != 0:
        fail("the member lost its generation")
    # Unknown groups: DescribeGroups says Dead, OffsetFetch has nothing.
    error, state, members = raw.describe("no-such-group")
    if (error, state, members) != (0, "Dead", []):
        fail(f"describe unknown group: {error} {state} {members}")
    fetched = raw.offset_fetch("no-such-group", "meta", [0])
    if fetched != [(0, -1, "", 0)]:
        fail(f"offset fetch of an unknown group: {fetched}")
    if raw.leave(group, member) != 0:
        fail("leave")
    # Real clients see the same codes: confluent-kafka commits with a stale
    # generation after it was fenced out of the group.
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import CommitFailedError
    from kafka.structs import OffsetAndMetadata
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id="errors-kp", enable_auto_commit=False,
                      session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS)
    create_topic("errors", 1)
    c.subscribe(["errors"])
    wait_for("kafka-python assignment", lambda: c.assignment(), step=lambda: c.poll(100))
    coordinator = c._coordinator
    gen = coordinator._generation
    # Remove the member behind the client's back: its next commit is refused.
    if raw.leave("errors-kp", gen.member_id) != 0:
        fail("removing the kafka-python member")
    try:
        c.commit({TopicPartition("errors", 0): OffsetAndMetadata(1, None)})
        fail("a commit of a removed member succeeded")
    except CommitFailedError:
        pass
    c.close()
    print("OK error codes", flush=True)


{"kp-member": kp_member,
 "kafka-python-group": kafka_python_group,
 "confluent-strategies": confluent_strategies,
 "static-membership": static_membership,
 "twenty-groups": twenty_groups,
 "commit-metadata": commit_metadata,
 "check-metadata": check_metadata,
 "auto-commit-close": auto_commit_close,
 "error-codes": error_codes,
 "deleted-topic-close": deleted_topic_close}[SCENARIO]()
