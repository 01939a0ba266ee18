#!/usr/bin/python3
"""Real Kafka clients against a running warpd, driven by warpd_test.cc.

Usage: clients.py BOOTSTRAP SCENARIO. Prints "OK <details>" on success and
exits non-zero with a reason otherwise.
"""
import sys
import time

BOOTSTRAP, SCENARIO = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def kafka_python_roundtrip():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    expected = {}
    for acks, codec in ((0, None), (1, "gzip"), ("all", "snappy"), ("all", "lz4")):
        topic = f"kp-{acks}-{codec}"
        p = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks=acks, compression_type=codec,
                          linger_ms=5)
        futures = []
        for i in range(200):
            futures.append(p.send(topic, partition=0, key=b"k%d" % i, value=b"value-%d" % i,
                                  headers=[("h", b"%d" % i)], timestamp_ms=1700000000000 + i))
        p.flush()
        offsets = [f.get(timeout=30).offset for f in futures]
        if acks != 0 and offsets != list(range(200)):
            fail(f"{topic}: offsets {offsets[:5]}...")
        p.close()
        expected[topic] = 200
    for topic, n in expected.items():
        c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, consumer_timeout_ms=5000,
                          auto_offset_reset="earliest", group_id=None)
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        got = [m for m in c]
        c.close()
        if len(got) != n:
            fail(f"{topic}: consumed {len(got)} of {n}")
        for i, m in enumerate(got):
            if (m.offset, m.key, m.value, m.headers, m.timestamp) != (
                    i, b"k%d" % i, b"value-%d" % i, [("h", b"%d" % i)], 1700000000000 + i):
                fail(f"{topic}: record {i} is {m}")
    print("OK kafka-python", expected)


def confluent_many_partitions():
    from confluent_kafka import Consumer, Producer, TopicPartition
    # warpd runs with --default_partitions=100: the topic is auto-created.
    p = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True,
                  "compression.type": "zstd", "linger.ms": 20})
    acked = {}

    def on_delivery(err, msg):
        if err:
            fail(f"delivery error {err}")
        acked.setdefault(msg.partition(), []).append((msg.offset(), msg.value()))

    for i in range(100000):
        while True:
            try:
                p.produce("ck-many", value=b"record-%d" % i, partition=i % 100,
                          on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        if i % 10000 == 0:
            p.poll(0)
    p.flush(60)
    if sum(len(v) for v in acked.values()) != 100000:
        fail("not every record was acknowledged")
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 50})
    c.assign([TopicPartition("ck-many", p, 0) for p in range(100)])
    seen = {}
    deadline = time.time() + 60
    total = 0
    while total < 100000 and time.time() < deadline:
        for m in c.consume(1000, 1.0):
            if m.error():
                continue
            seen[(m.partition(), m.offset())] = m.value()
            total = len(seen)
    c.close()
    for part, records in acked.items():
        for offset, value in records:
            if seen.get((part, offset)) != value:
                fail(f"partition {part} offset {offset}: {seen.get((part, offset))} != {value}")
    print("OK confluent-kafka", total)


def large_records():
    from confluent_kafka import Consumer, Producer, TopicPartition
    p = Producer({"bootstrap.servers": BOOTSTRAP, "message.max.bytes": 2000000})
    values = [b"x", b"y" * (900 * 1024)]
    out = []
    for v in values:
        p.produce("ck-large", value=v, partition=0, on_delivery=lambda e, m: out.append((e, m.offset())))
    p.flush(30)
    if any(e for e, _ in out):
        fail(f"errors {out}")
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "x", "enable.auto.commit": False})
    c.assign([TopicPartition("ck-large", 0, 0)])
    got = []
    deadline = time.time() + 30
    while len(got) < 2 and time.time() < deadline:
        m = c.poll(1)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    if got != values:
        fail(f"got sizes {[len(g) for g in got]}")
    print("OK large records")


def admin():
    """Topic administration and ListOffsets by time with confluent-kafka."""
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import (AdminClient, ConfigResource, NewPartitions,
                                       NewTopic)
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    fs = a.create_topics([NewTopic("adm", num_partitions=3, replication_factor=1,
                                   config={"retention.ms": "3600000",
                                           "max.message.bytes": "2000"})])
    fs["adm"].result(30)
    # Creating it again fails with TOPIC_ALREADY_EXISTS.
    try:
        a.create_topics([NewTopic("adm", num_partitions=3, replication_factor=1)])["adm"].result(30)
        fail("duplicate create succeeded")
    except KafkaException as e:
        if "TOPIC_ALREADY_EXISTS" not in str(e) and "already exists" not in str(e):
            fail(f"duplicate create: {e}")
    # validate_only creates nothing.
    a.create_topics([NewTopic("adm-dry", num_partitions=1, replication_factor=1)],
                    validate_only=True)["adm-dry"].result(30)
    md = a.list_topics(timeout=10)
    if "adm-dry" in md.topics:
        fail("validate_only created the topic")
    if len(md.topics["adm"].partitions) != 3:
        fail("adm does not have 3 partitions")
    # Describe and alter configs.
    res = ConfigResource(ConfigResource.Type.TOPIC, "adm")
    configs = a.describe_configs([res])[res].result(30)
    if configs["retention.ms"].value != "3600000":
        fail(f"retention.ms is {configs['retention.ms'].value}")
    res.set_config("retention.ms", "7200000")
    res.set_config("max.message.bytes", "2000")
    a.alter_configs([res])[res].result(30)
    configs = a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "adm")])
    value = list(configs.values())[0].result(30)["retention.ms"].value
    if value != "7200000":
        fail(f"altered retention.ms is {value}")
    # Create partitions.
    a.create_partitions([NewPartitions("adm", 5)])["adm"].result(30)
    if len(a.list_topics(timeout=10).topics["adm"].partitions) != 5:
        fail("create_partitions did not grow the topic")
    # max.message.bytes: a 5000-byte record is refused.
    p = Producer({"bootstrap.servers": BOOTSTRAP, "compression.type": "none"})
    errors = []
    p.produce("adm", value=b"x" * 5000, partition=0, on_delivery=lambda e, m: errors.append(e))
    p.flush(30)
    if not errors or errors[0] is None or "MSG_SIZE_TOO_LARGE" not in str(errors[0]):
        fail(f"oversized record: {errors}")
    # ListOffsets by time.
    delivered = []
    for i in range(10):
        p.produce("adm", value=b"t%d" % i, partition=1, timestamp=1700000000000 + 1000 * i,
                  on_delivery=lambda e, m: delivered.append(e))
    p.flush(30)
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused"})
    found = c.offsets_for_times([TopicPartition("adm", 1, 1700000000000 + 4500)], 10)
    if found[0].offset != 5:
        fail(f"offset for time: {found[0].offset}")
    low, high = c.get_watermark_offsets(TopicPartition("adm", 1), 10)
    if (low, high) != (0, 10):
        fail(f"watermarks {low} {high}")
    c.close()
    # Delete.
    a.delete_topics(["adm"])["adm"].result(30)
    if "adm" in a.list_topics(timeout=10).topics:
        fail("topic not deleted")
    print("OK admin")


def log_append_time():
    from confluent_kafka import Consumer, Producer, TopicPartition, TIMESTAMP_LOG_APPEND_TIME
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    a.create_topics([NewTopic("lat", num_partitions=1, replication_factor=1,
                              config={"message.timestamp.type": "LogAppendTime"})])["lat"].result(30)
    p = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "0"})
    for i in range(5):
        p.produce("lat", value=b"v%d" % i, partition=0, timestamp=1000)
    p.flush(30)
    time.sleep(0.5)  # acks=0: nothing to wait for but the flush
    before = int(time.time() * 1000) - 60000
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused",
                  "enable.auto.commit": False})
    c.assign([TopicPartition("lat", 0, 0)])
    got = []
    deadline = time.time() + 20
    while len(got) < 5 and time.time() < deadline:
        m = c.poll(1)
        if m is not None and not m.error():
            got.append(m.timestamp())
    c.close()
    if len(got) != 5:
        fail(f"acks=0 records: got {len(got)} of 5")
    for kind, ts in got:
        if kind != TIMESTAMP_LOG_APPEND_TIME or ts < before:
            fail(f"timestamp {kind} {ts}")
    print("OK log append time")


def no_auto_create():
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": BOOTSTRAP, "message.timeout.ms": 3000})
    errors = []
    p.produce("does-not-exist", value=b"x", on_delivery=lambda e, m: errors.append(e))
    p.flush(10)
    if not errors or errors[0] is None:
        fail(f"produce to an unknown topic: {errors}")
    print("OK unknown topic", errors[0])


{"kafka-python": kafka_python_roundtrip,
 "log-append-time": log_append_time,
 "no-auto-create": no_auto_create,
 "admin": admin,
 "confluent-many": confluent_many_partitions,
 "large": large_records}[SCENARIO]()
