"""Kafka's side of the Stream interop test (stream_interop_test.cc), with
confluent-kafka against a warpd on the bucket and journal a warp::Stream
wrote: reads what the Stream produced, produces for the Stream to read, and
commits a consumer group's offset for the Stream's Consumer to resume from.

  python3 stream_interop.py BOOTSTRAP
"""
import sys

from confluent_kafka import Consumer, Producer, TopicPartition


def main():
    bootstrap = sys.argv[1]
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "shared",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition("inproc", 0, 0)])
    seen = []
    while len(seen) < 50:
        m = consumer.poll(10)
        if m is None:
            raise SystemExit("timed out after %d records" % len(seen))
        if m.error():
            raise SystemExit("consume: %s" % m.error())
        seen.append((m.offset(), m.key(), m.value(), m.headers()))
        if len(seen) == 30:
            consumer.commit(offsets=[TopicPartition("inproc", 0, 30)], asynchronous=False)
    for i, (offset, key, value, headers) in enumerate(seen):
        want = (i, b"key-%d" % i, b"value-%d" % i, [("n", b"%d" % i)])
        if (offset, key, value, headers) != want:
            raise SystemExit("record %d: %r, want %r" % (i, seen[i], want))
    consumer.close()
    print("kafka read 50 records written in-process")

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(20):
        producer.produce("fromkafka", key=b"k%d" % i, value=b"kafka-%d" % i, partition=0)
    if producer.flush(30) != 0:
        raise SystemExit("produce: not all delivered")
    print("kafka produced 20 records")


if __name__ == "__main__":
    main()
