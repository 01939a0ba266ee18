#!/usr/bin/python3
"""Kafka transactions through warpd with confluent-kafka (librdkafka), driven
by transactions_test.cc.

Usage: transactions.py BOOTSTRAP SCENARIO. Prints "OK <details>" on success
and exits non-zero with a reason otherwise. Scenarios:
  commit_abort  commits and aborts across two topics and five partitions;
                read_committed sees exactly the committed records, in offset
                order, read_uncommitted sees all of them
  fencing       a second producer with the same transactional id fences the
                first, whose commit then fails and whose records stay unseen
  timeout       a transaction left open past transaction.timeout.ms is
                aborted by the coordinator: its producer is fenced and
                read_committed consumers are not held back by it
  compacted     a compacted topic with committed and aborted transactions:
                after cleaning, the latest committed value of each key only
  ctp           a consume-transform-produce loop (send_offsets_to_transaction)
                killed mid-transaction and restarted until its input is
                consumed: its output holds every input record exactly once
"""
import os
import subprocess
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP, SCENARIO = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def create(topics):
    """topics: {name: partitions}."""
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futures = a.create_topics([NewTopic(n, num_partitions=p, replication_factor=1)
                               for n, p in topics.items()])
    for f in futures.values():
        f.result(30)


def transactional(txn_id, **extra):
    config = {"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id, "linger.ms": 5}
    config.update(extra)
    p = Producer(config)
    p.init_transactions(30)
    return p


def read_all(topics, isolation):
    """Every record of `topics` from the beginning, up to the end each
    partition has for this isolation level: {(topic, partition): [(offset,
    value)]}."""
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"read-{time.time()}",
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": isolation})
    md = c.list_topics(timeout=10)
    tps = [TopicPartition(t, p, 0) for t in topics for p in md.topics[t].partitions]
    c.assign(tps)
    out = {(tp.topic, tp.partition): [] for tp in tps}
    pending = set(out)
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        m = c.poll(1)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard((m.topic(), m.partition()))
                continue
            fail(f"consume: {m.error()}")
        out[(m.topic(), m.partition())].append((m.offset(), m.value().decode()))
    c.close()
    if pending:
        fail(f"{isolation}: no end reached on {sorted(pending)}")
    return out


def values(records):
    return sorted(v for rs in records.values() for _, v in rs)


def check_offset_order(records):
    for tp, rs in records.items():
        offsets = [o for o, _ in rs]
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            fail(f"{tp}: offsets out of order {offsets}")


def send_transaction(p, prefix, count, topics, commit):
    p.begin_transaction()
    for i in range(count):
        topic, partitions = topics[i % len(topics)]
        p.produce(topic, value=f"{prefix}-{i}", partition=i % partitions)
    if commit:
        p.commit_transaction(30)
    else:
        p.flush(30)  # durable, then aborted
        p.abort_transaction(30)


def commit_abort():
    create({"tx-a": 3, "tx-b": 2})
    topics = [("tx-a", 3), ("tx-b", 2)]
    p = transactional("commit-abort")
    send_transaction(p, "c1", 20, topics, commit=True)
    send_transaction(p, "ab", 20, topics, commit=False)
    send_transaction(p, "c2", 20, topics, commit=True)
    # An open transaction holds read_committed back (its LSO) but not
    # read_uncommitted.
    p.begin_transaction()
    for i in range(5):
        p.produce("tx-a", value=f"open-{i}", partition=i % 3)
    p.flush(30)
    committed = read_all(["tx-a", "tx-b"], "read_committed")
    uncommitted = read_all(["tx-a", "tx-b"], "read_uncommitted")
    p.commit_transaction(30)
    expected = sorted([f"c1-{i}" for i in range(20)] + [f"c2-{i}" for i in range(20)])
    if values(committed) != expected:
        fail(f"read_committed saw {values(committed)}")
    check_offset_order(committed)
    check_offset_order(uncommitted)
    want_all = sorted(expected + [f"ab-{i}" for i in range(20)] + [f"open-{i}" for i in range(5)])
    if values(uncommitted) != want_all:
        fail(f"read_uncommitted saw {values(uncommitted)}")
    # Committed order within a partition is produce order: c1 before c2.
    for tp, rs in committed.items():
        prefixes = [v.split("-")[0] for _, v in rs]
        if prefixes != sorted(prefixes):
            fail(f"{tp}: {prefixes}")
    after = read_all(["tx-a"], "read_committed")
    if sum(1 for v in values(after) if v.startswith("open-")) != 5:
        fail(f"the last commit is not visible: {values(after)}")
    print(f"OK commit_abort committed={len(values(committed))} "
          f"uncommitted={len(values(uncommitted))}")


def fatal_or_fenced(e):
    err = e.args[0]
    return err.fatal() or err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                          KafkaError.INVALID_PRODUCER_EPOCH)


def fencing():
    create({"tx-fence": 2})
    zombie = transactional("fenced-id")
    zombie.begin_transaction()
    for i in range(4):
        zombie.produce("tx-fence", value=f"zombie-{i}", partition=i % 2)
    zombie.flush(30)
    successor = transactional("fenced-id")
    try:
        zombie.produce("tx-fence", value="zombie-late", partition=0)
        zombie.commit_transaction(30)
        fail("the fenced producer committed")
    except KafkaException as e:
        if not fatal_or_fenced(e):
            fail(f"unexpected error for the zombie: {e}")
    send_transaction(successor, "successor", 6, [("tx-fence", 2)], commit=True)
    seen = values(read_all(["tx-fence"], "read_committed"))
    if seen != sorted(f"successor-{i}" for i in range(6)):
        fail(f"read_committed saw {seen}")
    print(f"OK fencing {len(seen)}")


def timeout():
    create({"tx-timeout": 1})
    p = transactional("timing-out", **{"transaction.timeout.ms": 3000,
                                       "message.timeout.ms": 3000})
    p.begin_transaction()
    for i in range(3):
        p.produce("tx-timeout", value=f"late-{i}", partition=0)
    p.flush(30)
    time.sleep(6)  # past the timeout: the coordinator aborts it
    try:
        p.commit_transaction(30)
        fail("a timed-out transaction committed")
    except KafkaException as e:
        err = e.args[0]
        if not (fatal_or_fenced(e) or err.txn_requires_abort()):
            fail(f"unexpected error after the timeout: {e}")
    # Nothing of it is visible, and it holds no reader back.
    after = transactional("after-timeout")
    send_transaction(after, "after", 2, [("tx-timeout", 1)], commit=True)
    seen = values(read_all(["tx-timeout"], "read_committed"))
    if seen != ["after-0", "after-1"]:
        fail(f"read_committed saw {seen}")
    print("OK timeout")


def compacted():
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    a.create_topics([NewTopic("tx-kv", num_partitions=1, replication_factor=1, config={
        "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0",
        "delete.retention.ms": "0"})])["tx-kv"].result(30)
    p = transactional("compacted")

    def txn(records, commit):
        p.begin_transaction()
        for k, v in records:
            p.produce("tx-kv", key=k, value=v, partition=0)
        if commit:
            p.commit_transaction(30)
        else:
            p.flush(30)
            p.abort_transaction(30)

    txn([("k1", "a"), ("k2", "x")], commit=True)
    txn([("k1", "b"), ("k3", "y")], commit=False)
    txn([("k1", "c")], commit=True)
    want = ["c", "x"]
    # The cleaner runs every 200 ms (--jobs_interval_ms): wait until even
    # read_uncommitted sees only the survivors.
    deadline = time.time() + 60
    while time.time() < deadline:
        everything = values(read_all(["tx-kv"], "read_uncommitted"))
        if everything == want:
            break
        time.sleep(0.5)
    else:
        fail(f"never cleaned: read_uncommitted sees {everything}")
    committed = read_all(["tx-kv"], "read_committed")
    if values(committed) != want:
        fail(f"read_committed saw {values(committed)}")
    print(f"OK compacted {[o for o, _ in committed[('tx-kv', 0)]]}")


CTP_IN, CTP_OUT, CTP_GROUP, CTP_RECORDS = "ctp-in", "ctp-out", "ctp-group", 300


def ctp_worker(crash_after):
    """One run of the loop: exits 17 when it kills itself in the middle of
    transaction number `crash_after` (records produced, not committed), 0
    when the input is consumed."""
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": CTP_GROUP,
                  "group.instance.id": "ctp-worker", "session.timeout.ms": 10000,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "isolation.level": "read_committed"})
    p = transactional("ctp-loop")
    c.subscribe([CTP_IN])
    transactions = 0
    done = 0
    deadline = time.time() + 120
    while time.time() < deadline:
        batch = c.consume(num_messages=25, timeout=1)
        if not batch:
            assignment = c.assignment()
            if assignment:
                positions = c.position(assignment)
                ends = [c.get_watermark_offsets(tp, timeout=10)[1] for tp in assignment]
                if all(pos.offset >= end for pos, end in zip(positions, ends)):
                    print(f"worker done after {transactions} transactions, {done} records")
                    c.close()
                    sys.exit(0)
            continue
        p.begin_transaction()
        for m in batch:
            if m.error():
                fail(f"consume: {m.error()}")
            p.produce(CTP_OUT, value=b"out-" + m.value(), partition=m.partition())
        transactions += 1
        if transactions == crash_after:
            p.flush(30)  # the records are in warp, the transaction open
            os._exit(17)
        p.send_offsets_to_transaction(c.position(c.assignment()),
                                      c.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        done += len(batch)
    fail("the worker did not finish in time")


def ctp():
    create({CTP_IN: 2, CTP_OUT: 2})
    p = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    for i in range(CTP_RECORDS):
        p.produce(CTP_IN, value=f"r{i}", partition=i % 2)
    p.flush(30)
    runs = []
    for crash_after in (3, 2, 0):
        r = subprocess.run([sys.executable, __file__, BOOTSTRAP, "ctp_worker",
                            str(crash_after)], capture_output=True, text=True, timeout=180)
        runs.append(r.returncode)
        if r.returncode not in (0, 17):
            fail(f"worker exited {r.returncode}: {r.stdout} {r.stderr}")
        if r.returncode == 0:
            break
    if runs[-1] != 0 or 17 not in runs:
        fail(f"worker runs {runs}")
    seen = values(read_all([CTP_OUT], "read_committed"))
    want = sorted(f"out-r{i}" for i in range(CTP_RECORDS))
    if seen != want:
        dups = len(seen) - len(set(seen))
        fail(f"output holds {len(seen)} records ({dups} duplicates), wants {len(want)}")
    everything = values(read_all([CTP_OUT], "read_uncommitted"))
    print(f"OK ctp runs={runs} output={len(seen)} aborted={len(everything) - len(seen)}")


if __name__ == "__main__":
    if SCENARIO == "ctp_worker":
        ctp_worker(int(sys.argv[3]))
    else:
        {"commit_abort": commit_abort, "fencing": fencing, "timeout": timeout,
         "compacted": compacted, "ctp": ctp}[SCENARIO]()
