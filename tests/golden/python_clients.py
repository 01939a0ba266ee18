#!/usr/bin/env python3
"""Drives kafka-python or confluent-kafka against the recorder (capture.sh).

  python_clients.py --client=kafka-python --bootstrap=127.0.0.1:19093 \
      produce --codec=gzip
  python_clients.py --client=confluent-kafka --bootstrap=... consume \
      --codecs=none,gzip,snappy,lz4,zstd

produce sends the five golden records (keys k0..k4, values
value-<codec>-<i>, timestamps 1700000000000 + i, header h1=v1 on k4) to topic
golden-<codec> with that codec. consume reads them back through a consumer
group (subscribe, commit once, leave) and checks them. Exits non-zero if the
client fails or the records read back differ.

Run with Debian's python3 (/usr/bin/python3), where python3-kafka and
python3-confluent-kafka are installed.
"""

import argparse
import sys
import time

RECORD_COUNT = 5
BASE_TIMESTAMP_MS = 1700000000000
HEADER_RECORD = 4  # The record that carries header h1=v1.


def golden_records(codec):
    """The (key, value, headers, timestamp) of each golden record."""
    records = []
    for i in range(RECORD_COUNT):
        headers = [("h1", b"v1")] if i == HEADER_RECORD else []
        records.append((f"k{i}".encode(), f"value-{codec}-{i}".encode(),
                        headers, BASE_TIMESTAMP_MS + i))
    return records


def kafka_python_produce(args):
    import kafka
    producer = kafka.KafkaProducer(
        bootstrap_servers=args.bootstrap,
        client_id=args.client_id,
        compression_type=None if args.codec == "none" else args.codec,
        acks=1,
        linger_ms=100)
    topic = f"golden-{args.codec}"
    for key, value, headers, timestamp in golden_records(args.codec):
        producer.send(topic, key=key, value=value, headers=headers,
                      timestamp_ms=timestamp)
    producer.flush(timeout=30)
    producer.close(timeout=10)


def kafka_python_consume(args):
    import kafka
    topics = [f"golden-{c}" for c in args.codecs]
    consumer = kafka.KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        client_id=args.client_id,
        group_id=f"{args.client_id}-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20000)
    consumer.subscribe(topics)
    got = []
    deadline = time.time() + 30
    while len(got) < RECORD_COUNT * len(topics) and time.time() < deadline:
        for records in consumer.poll(timeout_ms=1000).values():
            for r in records:
                got.append((r.topic, r.key, r.value,
                            [(k, v) for k, v in r.headers]))
    consumer.commit()
    consumer.close()
    return got


def confluent_produce(args):
    import confluent_kafka
    producer = confluent_kafka.Producer({
        "bootstrap.servers": args.bootstrap,
        "client.id": args.client_id,
        "compression.type": args.codec,
        "enable.idempotence": True,
        "linger.ms": 100,
    })
    topic = f"golden-{args.codec}"
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    for key, value, headers, timestamp in golden_records(args.codec):
        producer.produce(topic, key=key, value=value, headers=headers,
                         timestamp=timestamp, on_delivery=on_delivery)
    if producer.flush(30) != 0 or errors:
        raise RuntimeError(f"delivery failed: {errors}")


def confluent_consume(args):
    import confluent_kafka
    topics = [f"golden-{c}" for c in args.codecs]
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": args.bootstrap,
        "client.id": args.client_id,
        "group.id": f"{args.client_id}-group",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe(topics)
    got = []
    deadline = time.time() + 30
    while len(got) < RECORD_COUNT * len(topics) and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        got.append((msg.topic(), msg.key(), msg.value(),
                    list(msg.headers() or [])))
    consumer.commit(asynchronous=False)
    consumer.close()
    return got


def check_consumed(got, codecs):
    """Raises unless `got` holds exactly the golden records of `codecs`."""
    want = sorted((f"golden-{c}", k, v, h)
                  for c in codecs for k, v, h, _ in golden_records(c))
    if sorted(got) != want:
        raise RuntimeError(f"consumed {sorted(got)}, want {want}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", required=True,
                        choices=["kafka-python", "confluent-kafka"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--client_id", default=None)
    sub = parser.add_subparsers(dest="mode", required=True)
    produce = sub.add_parser("produce")
    produce.add_argument("--codec", required=True,
                         choices=["none", "gzip", "snappy", "lz4", "zstd"])
    consume = sub.add_parser("consume")
    consume.add_argument("--codecs", required=True,
                         type=lambda s: s.split(","))
    args = parser.parse_args()
    if args.client_id is None:
        args.client_id = f"golden-{args.client}"

    python = args.client == "kafka-python"
    if args.mode == "produce":
        (kafka_python_produce if python else confluent_produce)(args)
    else:
        got = (kafka_python_consume if python else confluent_consume)(args)
        check_consumed(got, args.codecs)
        print(f"{args.client}: consumed {len(got)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
