#!/usr/bin/python3
"""Retention and keyed compaction seen by confluent-kafka, against a warpd
whose jobs run often (--jobs_interval_ms), driven by retention_test.cc.

Usage: retention.py BOOTSTRAP SCENARIO. Prints "OK <details>" on success and
exits non-zero with a reason otherwise.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP, SCENARIO = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def create(name, config):
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    a.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                              config=config)])[name].result(30)


def produce(topic, records):
    """records: (key, value, timestamp_ms or None); one flush, one batch."""
    p = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 50})
    errors = []
    for key, value, ts in records:
        kwargs = {"timestamp": ts} if ts is not None else {}
        p.produce(topic, key=key, value=value, partition=0,
                  on_delivery=lambda e, m: errors.append(e) if e else None, **kwargs)
    p.flush(30)
    if errors:
        fail(f"produce to {topic}: {errors}")


def consume_all(topic):
    """Every record from the beginning: [(offset, key, value)]."""
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"read-{time.time()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.assign([TopicPartition(topic, 0, low)])
    out = []
    deadline = time.time() + 30
    while time.time() < deadline:
        m = c.poll(1)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                break
            fail(f"consume {topic}: {m.error()}")
        out.append((m.offset(), m.key(), m.value()))
    c.close()
    return low, high, out


def wait_for(what, check, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def retention():
    """retention.ms: records older than it go; the earliest offset moves."""
    # Records stamped an hour ago go retention.ms after they arrived (never
    # sooner: warp keeps what was just written, as Kafka keeps its active
    # segment); records stamped in the future stay until then.
    create("short", {"retention.ms": "3000"})
    now = int(time.time() * 1000)
    produce("short", [(None, b"old-%d" % i, now - 3600 * 1000) for i in range(10)])
    time.sleep(0.5)
    produce("short", [(None, b"new-%d" % i, now + 3600 * 1000) for i in range(5)])
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "offsets"})
    wait_for("the earliest offset to reach 10", lambda: c.get_watermark_offsets(
        TopicPartition("short", 0), timeout=10)[0] == 10)
    # ListOffsets earliest (-2) says so too.
    earliest = c.offsets_for_times([TopicPartition("short", 0, 0)], timeout=10)[0].offset
    c.close()
    low, high, records = consume_all("short")
    if (low, high) != (10, 15):
        fail(f"watermarks {(low, high)}")
    values = [(o, v) for o, _, v in records]
    if values != [(10 + i, b"new-%d" % i) for i in range(5)]:
        fail(f"after retention: {values}")
    print("OK retention earliest", low, "first timestamp lookup", earliest)


def compacted():
    """cleanup.policy=compact: one value per key, the latest, at its offset."""
    create("kv", {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"})
    records = []
    for r in range(4):
        for k in range(5):
            records.append((b"k%d" % k, b"v%d-%d" % (k, r), None))
    records.append((b"k4", None, None))  # a tombstone, kept for delete.retention.ms
    produce("kv", records[:10])
    produce("kv", records[10:])
    expected = [(15 + k, b"k%d" % k, b"v%d-3" % k) for k in range(4)] + [(20, b"k4", None)]

    def compacted_view():
        low, high, got = consume_all("kv")
        return got if got == expected and (low, high) == (0, 21) else None
    wait_for("compaction", compacted_view)
    # As Kafka: a compacted topic refuses records without a key.
    p = Producer({"bootstrap.servers": BOOTSTRAP, "retries": 0})
    errors = []
    p.produce("kv", key=None, value=b"keyless", partition=0,
              on_delivery=lambda e, m: errors.append(e))
    p.flush(30)
    if len(errors) != 1 or errors[0] is None or errors[0].code() != KafkaError.INVALID_RECORD:
        fail(f"keyless record on a compacted topic: {errors}")
    print("OK compacted", len(expected))


{"retention": retention, "compacted": compacted}[SCENARIO]()
