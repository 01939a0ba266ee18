#!/usr/bin/python3
"""Measures how long the clients of a killed agent take to produce through
another one: an idempotent confluent-kafka producer writes a record to each
of 6 partitions every 10 ms; after 5 s this script kill -9s PID (an agent);
the failover time is from the kill until every partition has acknowledged a
record produced after it.

Usage: failover_time.py BOOTSTRAP PID
"""
import os
import signal
import sys
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, pid = sys.argv[1], int(sys.argv[2])
topic = f"failover-{int(time.time())}"
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])[topic].result(30)
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 1,
              "topic.metadata.refresh.interval.ms": 1000, "reconnect.backoff.max.ms": 200,
              "message.timeout.ms": 120000})
killed_at = None
first_after = {}
errors = []


def on_delivery(err, msg):
    if err:
        errors.append(str(err))
        return
    sent = float(msg.value())
    if killed_at is not None and sent > killed_at and msg.partition() not in first_after:
        first_after[msg.partition()] = time.time() - killed_at


start = time.time()
while len(first_after) < 6 and time.time() - start < 120:
    for part in range(6):
        p.produce(topic, value=b"%.6f" % time.time(), partition=part, on_delivery=on_delivery)
    p.poll(0.01)
    if killed_at is None and time.time() - start > 5:
        killed_at = time.time()
        os.kill(pid, signal.SIGKILL)
p.flush(120)
print(f"failover: every partition acknowledged a post-kill record within "
      f"{max(first_after.values()):.2f} s (per partition: "
      f"{sorted(round(v, 2) for v in first_after.values())}); delivery errors: {len(errors)}")
