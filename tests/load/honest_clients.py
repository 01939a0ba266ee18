"""The honest clients of the load test: an idempotent confluent-kafka
producer and a two-member consumer group, working while warpd is under
attack. Prints one JSON line: acknowledged and read counts, produce latency
percentiles, and the records acknowledged but never read.

usage: honest_clients.py BOOTSTRAP SECONDS
"""
import json
import sys
import threading
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, seconds = sys.argv[1], float(sys.argv[2])
topic = 'honest'
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, 4, 1)])[topic].result(30)

acked = {}       # value -> (partition, offset)
latencies = []
lock = threading.Lock()
read = {}        # value -> (partition, offset)
stop_reading = threading.Event()


def member(name):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'honest-group',
                  'client.id': name, 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': True, 'session.timeout.ms': 10000,
                  'heartbeat.interval.ms': 1000})
    c.subscribe([topic])
    while not stop_reading.is_set():
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        with lock:
            read[m.value().decode()] = (m.partition(), m.offset())
    c.close()


members = [threading.Thread(target=member, args=('m%d' % i,)) for i in range(2)]
for t in members:
    t.start()

p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True,
              'linger.ms': 5, 'message.timeout.ms': 60000})


def on_delivery(sent_at):
    def done(err, msg):
        if err is None:
            with lock:
                acked[msg.value().decode()] = (msg.partition(), msg.offset())
                latencies.append(time.time() - sent_at)
    return done


start = time.time()
i = 0
while time.time() - start < seconds:
    value = 'r%d-' % i + 'x' * 1000
    try:
        p.produce(topic, value=value.encode(), on_delivery=on_delivery(time.time()))
        i += 1
    except BufferError:
        pass
    p.poll(0)
    time.sleep(0.002)  # about 500 records a second
p.flush(60)

deadline = time.time() + 60
while time.time() < deadline:
    with lock:
        if all(v in read for v in acked):
            break
    time.sleep(0.5)
stop_reading.set()
for t in members:
    t.join()

lat = sorted(latencies)


def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None


missing = [v[:12] for v in acked if v not in read]
print(json.dumps({'sent': i, 'acked': len(acked), 'read': len(read),
                  'missing': len(missing), 'missing_sample': missing[:5],
                  'p50_s': pct(0.5), 'p99_s': pct(0.99), 'max_s': lat[-1] if lat else None}))
