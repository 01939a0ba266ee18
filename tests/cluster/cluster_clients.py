#!/usr/bin/python3
"""Real Kafka clients against a warp cluster, driven by cluster_test.cc.

Usage: cluster_clients.py BOOTSTRAP SCENARIO [ARGS...]. Prints "OK <details>"
on success and exits non-zero with a reason otherwise.

Scenarios:
  metadata CLIENT_ID TOPIC       prints the brokers and partition leaders a
                                 client with CLIENT_ID is given, as JSON
  workload DIR TOPIC GROUP N     the Jepsen-style workload: an idempotent
                                 producer writes N records while a consumer
                                 group (confluent-kafka and kafka-python
                                 members) reads them and a kafka-python
                                 producer writes to TOPIC-plain; progress goes to
                                 DIR/progress (acked count) so that the test
                                 can inject faults; then checks everything.
  txn_workload DIR TOPIC N       the transactional workload: two
                                 transactional producers write N transactions
                                 each over TOPIC's 6 partitions (every 5th
                                 aborted on purpose) while a
                                 consume-transform-produce loop copies TOPIC
                                 into TOPIC-out exactly once; progress goes to
                                 DIR/progress (committed count); then checks
                                 no aborted reads, no torn or lost
                                 transactions, and TOPIC-out = TOPIC.
  probe TOPIC                    one record with kafka-python, no retries:
                                 prints how it ended
"""
import collections
import json
import os
import re
import sys
import threading
import time
import traceback

BOOTSTRAP, SCENARIO, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]


def fail(msg):
    print("FAIL", msg, flush=True)
    os._exit(1)


def metadata():
    from confluent_kafka.admin import AdminClient
    client_id, topic = ARGS
    a = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": client_id})
    # A produce-style Metadata request for TOPIC creates it if needed.
    for _ in range(100):
        md = a.list_topics(topic=topic, timeout=30)
        t = md.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            break
        time.sleep(0.2)
    else:
        fail(f"topic {topic} never appeared")
    out = {
        "brokers": {str(b.id): f"{b.host}:{b.port}" for b in md.brokers.values()},
        "leaders": {str(p): t.partitions[p].leader for p in sorted(t.partitions)},
    }
    print("OK", json.dumps(out, sort_keys=True), flush=True)


class GroupMember(threading.Thread):
    """A consumer-group member recording every poll: (generation, partition,
    offset, value). The generation counts assignment changes, so that
    monotonicity is checked within one assignment."""

    def __init__(self, kind, topic, group, name):
        super().__init__(daemon=True)
        self.kind, self.topic, self.group, self.name = kind, topic, group, name
        self.polls = []
        self.times = []  # when each poll came back
        self.changes = []  # (time, partitions) of each revoke and assign
        self.errors = []  # the first errors the client delivered (diagnostics)
        self.generation = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            if self.kind == "confluent":
                self.run_confluent()
            else:
                self.run_kafka_python()
        except Exception as e:  # reported by the checker
            self.error = f"{self.name}: {e!r}"

    def run_confluent(self):
        from confluent_kafka import Consumer, KafkaException
        # Offsets are stored by hand, after each record is recorded: with
        # automatic storing, librdkafka 2.0.2's batch consume() was seen to
        # store (and commit) offsets past the records it returned when a
        # rebalance came in the middle of a batch, so the member resumed
        # after records it never delivered (the committed offset ran ahead
        # of the polls; warp only stores what the client commits).
        c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": self.group,
                      "client.id": self.name, "auto.offset.reset": "earliest",
                      "enable.auto.offset.store": False,
                      "enable.auto.commit": True, "auto.commit.interval.ms": 500,
                      "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                      "fetch.wait.max.ms": 100, "topic.metadata.refresh.interval.ms": 2000})

        def on_change(consumer, partitions):
            self.generation += 1
            self.changes.append((time.time(), sorted(p.partition for p in partitions)))

        c.subscribe([self.topic], on_assign=on_change, on_revoke=on_change)
        while not self.stop.is_set():
            for m in c.consume(500, 0.2):
                if m.error():
                    if len(self.errors) < 20:
                        self.errors.append((round(time.time(), 2), str(m.error())))
                    continue
                self.polls.append((self.generation, m.partition(), m.offset(), m.value()))
                self.times.append(time.time())
                try:
                    c.store_offsets(message=m)
                except KafkaException:
                    pass  # revoked meanwhile: the next owner reads it again
        c.close()

    def run_kafka_python(self):
        from kafka import ConsumerRebalanceListener, KafkaConsumer
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.generation += 1
                member.changes.append((time.time(), sorted(tp.partition for tp in revoked)))

            def on_partitions_assigned(self, assigned):
                member.generation += 1
                member.changes.append((time.time(), sorted(tp.partition for tp in assigned)))

        c = KafkaConsumer(bootstrap_servers=BOOTSTRAP.split(","), group_id=self.group,
                          client_id=self.name, auto_offset_reset="earliest",
                          enable_auto_commit=True, auto_commit_interval_ms=500,
                          session_timeout_ms=6000, heartbeat_interval_ms=500,
                          fetch_max_wait_ms=100, metadata_max_age_ms=2000,
                          request_timeout_ms=8000, reconnect_backoff_max_ms=500)
        c.subscribe([self.topic], listener=Listener())
        while not self.stop.is_set():
            for tp, records in c.poll(200).items():
                for m in records:
                    self.polls.append((self.generation, m.partition, m.offset, m.value))
                    self.times.append(time.time())
        c.close()


def read_back(topic, partitions):
    """Every record of every partition, read with kafka-python by assignment:
    {partition: [(offset, value), ...]}."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP.split(","), enable_auto_commit=False,
                      group_id=None, fetch_max_wait_ms=100, request_timeout_ms=8000)
    tps = [TopicPartition(topic, p) for p in partitions]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    ends = c.end_offsets(tps)
    out = {p: [] for p in partitions}
    deadline = time.time() + 120
    while time.time() < deadline and any(
            (out[tp.partition][-1][0] + 1 if out[tp.partition] else 0) < ends[tp] for tp in tps):
        for tp, records in c.poll(500).items():
            out[tp.partition].extend((m.offset, m.value) for m in records)
    c.close()
    return out, {tp.partition: ends[tp] for tp in tps}


class PlainProducer(threading.Thread):
    """kafka-python (no idempotence in 2.0.2) producing to its own topic at
    ~100 records a second with acks=all and retries until `stop`: what it
    acknowledges must be in the log at that offset; a retry may write a
    record twice (as with Kafka), which is counted, not failed."""

    def __init__(self, topic, partitions):
        super().__init__(daemon=True)
        self.topic, self.partitions = topic, partitions
        self.acked, self.errors = {}, []
        self.stop = threading.Event()
        self.done = threading.Event()

    def run(self):
        from kafka import KafkaProducer
        p = KafkaProducer(bootstrap_servers=BOOTSTRAP.split(","), acks="all", retries=1000,
                          retry_backoff_ms=250, max_in_flight_requests_per_connection=1,
                          # Batches also expire after this while they
                          # wait: the etcd outage lasts about 20 s.
                          request_timeout_ms=60000, metadata_max_age_ms=2000,
                          reconnect_backoff_max_ms=500, linger_ms=5)
        futures = []
        i = 0
        start = time.time()
        while not self.stop.is_set():
            value = b"kp%07d" % i
            futures.append((value, p.send(self.topic, value=value,
                                          partition=i % self.partitions)))
            i += 1
            while i / 100.0 > time.time() - start and not self.stop.is_set():
                time.sleep(0.005)
        for value, f in futures:
            try:
                md = f.get(timeout=180)
                self.acked[value] = (md.partition, md.offset)
            except Exception as e:  # reported by the checker
                self.errors.append(f"{value}: {e!r}")
        p.close(10)
        self.done.set()


def check_plain_log(plain):
    log, ends = read_back(plain.topic, range(plain.partitions))
    found = {}
    duplicates = 0
    for part, records in log.items():
        for offset, value in records:
            if value in found:
                duplicates += 1
            found.setdefault(value, set()).add((part, offset))
    for value, where in plain.acked.items():
        if where not in found.get(value, set()):
            fail(f"kafka-python acknowledged {value} at {where}, the log has it at "
                 f"{sorted(found.get(value, set()))}")
    return duplicates


def workload():
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    workdir, topic, group, n = ARGS[0], ARGS[1], ARGS[2], int(ARGS[3])
    partitions = 6
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    plain_topic = topic + "-plain"
    created = admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                            replication_factor=1),
                                   NewTopic(plain_topic, num_partitions=3,
                                            replication_factor=1)])
    for f in created.values():
        f.result(60)
    plain = PlainProducer(plain_topic, 3)
    plain.start()
    members = [GroupMember("confluent", topic, group, "member-confluent"),
               GroupMember("kafka-python", topic, group, "member-kafka-python")]
    for m in members:
        m.start()
    watcher = CommitWatcher(topic, group, partitions)
    watcher.start()
    p = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True,
                  "linger.ms": 5, "message.timeout.ms": 180000,
                  "topic.metadata.refresh.interval.ms": 2000,
                  "reconnect.backoff.max.ms": 500})
    acked, errors, ack_times = {}, [], []
    lock = threading.Lock()

    def on_delivery(err, msg):
        with lock:
            if err:
                errors.append(str(err))
            else:
                acked[msg.value()] = (msg.partition(), msg.offset())
                ack_times.append(time.time())

    start = time.time()
    for i in range(n):
        value = b"v%07d" % i
        p.produce(topic, value=value, partition=i % partitions, on_delivery=on_delivery)
        p.poll(0)
        # ~300 records a second, so that faults land in the middle.
        while i / 300.0 > time.time() - start:
            p.poll(0.01)
        if i % 100 == 0:
            with lock:
                count = len(acked)
            with open(os.path.join(workdir, "progress.tmp"), "w") as f:
                f.write(str(count))
            os.replace(os.path.join(workdir, "progress.tmp"),
                       os.path.join(workdir, "progress"))
    remaining = p.flush(180)
    plain.stop.set()
    with open(os.path.join(workdir, "progress"), "w") as f:
        f.write(str(n))
    if remaining or errors:
        fail(f"{remaining} records unacknowledged, delivery errors {errors[:5]}")
    if len(acked) != n:
        fail(f"{len(acked)} of {n} acknowledged")

    # The group reads every acknowledged record (at least once).
    deadline = time.time() + 120
    while time.time() < deadline:
        seen = set(v for m in members for (_, _, _, v) in m.polls)
        if len(seen) >= n or any(m.error for m in members):
            break
        time.sleep(0.5)
    watcher.stop.set()
    for m in members:
        m.stop.set()
    for m in members:
        m.join(30)
    for m in members:
        if m.error:
            fail(m.error)
    seen = set(v for m in members for (_, _, _, v) in m.polls)
    missing = set(acked) - seen
    if missing:
        # The log check runs first, so that a failure says whether the log
        # lost the records or the group skipped them.
        check_log(topic, partitions, acked, n)
        fail(f"the group never read {len(missing)} acknowledged records, e.g. "
             f"{[(v, acked[v]) for v in sorted(missing)[:5]]} although the log has them "
             f"(polls: {[len(m.polls) for m in members]}, assignment changes "
             f"{[m.generation for m in members]}; last offset polled per member and "
             f"partition: {[last_polled(m) for m in members]}; polls near the first: "
             f"{polls_near(members, acked[min(missing)], start)}; assignment changes: "
             f"{[[(round(t - start, 2), ps) for t, ps in m.changes] for m in members]}; "
             f"client errors: {[[(round(t - start, 2), e) for t, e in m.errors] for m in members]}; "
             f"committed offsets of partition {acked[min(missing)][0]}: "
             f"{committed_near(watcher, acked[min(missing)], start)})")
    # Polls are monotonic within an assignment, and each poll is consistent
    # with the acknowledged offset of its value.
    for m in members:
        last = {}
        for gen, part, offset, value in m.polls:
            key = (gen, part)
            if key in last and offset <= last[key]:
                fail(f"{m.name}: non-monotonic poll on partition {part}: "
                     f"{offset} after {last[key]}")
            last[key] = offset
            known = acked.get(value)
            if known is None or known[0] != part or known[1] not in (None, offset):
                fail(f"{m.name}: polled {value} at {part}/{offset}, acknowledged at "
                     f"{acked.get(value)}")

    check_log(topic, partitions, acked, n)
    plain.done.wait(200)
    if plain.errors or not plain.done.is_set():
        fail(f"kafka-python producer: {plain.errors[:3]}")
    plain_duplicates = check_plain_log(plain)
    rebalances = [m.generation for m in members]
    unknown = sum(1 for _, offset in acked.values() if offset is None)
    print(f"OK {n} acknowledged ({unknown} without an offset), read back at their offsets, "
          f"no duplicates; "
          f"group polls {[len(m.polls) for m in members]}, assignment changes {rebalances}; "
          f"longest time without an acknowledgement {longest_gap(ack_times):.2f} s; "
          f"kafka-python producer: {len(plain.acked)} acknowledged at their offsets, "
          f"{plain_duplicates} written twice by its retries; "
          f"{time.time() - start:.1f} s", flush=True)


class CommitWatcher(threading.Thread):
    """Records the group's committed offsets every 100 ms, so that a failure
    shows whether a commit ran ahead of what the members read."""

    def __init__(self, topic, group, partitions):
        super().__init__(daemon=True)
        self.topic, self.group, self.partitions = topic, group, partitions
        self.history = []  # (time, {partition: offset})
        self.stop = threading.Event()

    def run(self):
        from confluent_kafka import Consumer, TopicPartition
        # Never subscribes: it only asks the coordinator (OffsetFetch).
        c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": self.group,
                      "enable.auto.commit": False})
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        while not self.stop.is_set():
            try:
                offsets = {tp.partition: tp.offset for tp in c.committed(tps, timeout=5)}
                if not self.history or self.history[-1][1] != offsets:
                    self.history.append((time.time(), offsets))
            except Exception:  # a diagnostic only
                pass
            self.stop.wait(0.1)
        c.close()


def committed_near(watcher, where, start):
    part, offset = where
    return [(round(t - start, 2), o.get(part)) for t, o in watcher.history
            if o.get(part) is not None and abs(o[part] - offset) <= 40]


def polls_near(members, where, start):
    part, offset = where
    out = []
    for m in members:
        for (gen, p, o, _), t in zip(m.polls, m.times):
            if p == part and abs(o - offset) <= 12:
                out.append((m.name[7:], gen, o, round(t - start, 2)))
    return out


def longest_gap(times):
    times = sorted(times)
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def last_polled(member):
    last = {}
    for _, part, offset, _ in member.polls:
        last[part] = max(offset, last.get(part, -1))
    return dict(sorted(last.items()))


def check_log(topic, partitions, acked, n):
    """The log: every acknowledged write at exactly its offset, no
    duplicates, no records nobody wrote, offsets dense from 0."""
    log, ends = read_back(topic, range(partitions))
    total = 0
    for part, records in log.items():
        offsets = [o for o, _ in records]
        if offsets != list(range(len(offsets))) or len(offsets) != ends[part]:
            fail(f"partition {part}: offsets not dense 0..{ends[part] - 1}: {offsets[:10]}...")
        total += len(records)
    by_value = {}
    for part, records in log.items():
        for offset, value in records:
            if value in by_value:
                fail(f"duplicate {value} at {by_value[value]} and {(part, offset)}")
            by_value[value] = (part, offset)
    for value, (part, offset) in acked.items():
        # librdkafka acknowledges a retry the agent found already written
        # (the first attempt's answer was lost) without an offset: such a
        # record must be in the log once, in its partition.
        found = by_value.get(value)
        if found is None or found[0] != part or (offset is not None and found[1] != offset):
            fail(f"acknowledged {value} at {(part, offset)}, the log has it at {found}")
    if total != n:
        fail(f"the log holds {total} records, {n} were written")


def probe():
    """One record to partition 0 of TOPIC with kafka-python and no retries:
    prints "OK <offset>", or "ERROR <name> retriable|fatal"."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    topic = ARGS[0]
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP.split(","), acks="all", retries=0,
                      request_timeout_ms=40000, max_block_ms=30000)
    try:
        offset = p.send(topic, b"probe", partition=0).get(60).offset
        print("OK", offset, flush=True)
    except KafkaError as e:
        print("ERROR", type(e).__name__, "retriable" if e.retriable else "fatal", flush=True)
    p.close(5)


# The transactional workload (txn_workload).

TXN_PARTITIONS = 6
TXN_VALUE = re.compile(rb"^p(\d+)-t(\d+)-i(\d+)-n(\d+)$")


def log(msg):
    print("#", msg, flush=True)


def fatal_or_fenced(err):
    from confluent_kafka import KafkaError
    return err.fatal() or err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                          KafkaError.INVALID_PRODUCER_EPOCH)


def new_transactional(txn_id, errors, deadline):
    """A producer with `txn_id`, its transactions initialized (which fences
    the previous one and ends its open transaction); retries through faults."""
    from confluent_kafka import KafkaException, Producer
    while time.time() < deadline:
        p = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id,
                      "linger.ms": 5, "transaction.timeout.ms": 30000,
                      "message.timeout.ms": 30000, "topic.metadata.refresh.interval.ms": 2000,
                      "reconnect.backoff.max.ms": 500})
        while time.time() < deadline:
            try:
                p.init_transactions(30)
                return p
            except KafkaException as e:
                errors.append((time.time(), "init", str(e.args[0])))
                if not e.args[0].retriable():
                    break
            time.sleep(0.2)
        del p
    fail(f"{txn_id}: init_transactions never succeeded: {errors[-3:]}")


def end_transaction(p, commit):
    """commit_transaction or abort_transaction, called again while it fails
    with a retriable error (the operation resumes where it was)."""
    from confluent_kafka import KafkaException
    deadline = time.time() + 90
    while True:
        try:
            (p.commit_transaction if commit else p.abort_transaction)(30)
            return
        except KafkaException as e:
            if not e.args[0].retriable() or time.time() > deadline:
                raise


class TxnProducer(threading.Thread):
    """Transaction number t has 2-5 records: value b"p<k>-t<t>-i<i>-n<size>"
    on partition (t + i) % 6. Every 5th number is aborted on purpose; a
    transaction that fails is aborted and retried under a new number.
    status[t] = [state, size]: "committed" (commit returned OK), "aborted"
    (commit never called, or abort returned OK) or "unknown" (commit
    raised). At most RATE transactions a second, so that faults land in the
    middle."""

    RATE = 15

    def __init__(self, k, topic, n):
        super().__init__(daemon=True)
        self.k, self.topic, self.n = k, topic, n
        self.txn_id = f"{topic}-txn{k}"
        self.status = {}
        self.errors = []  # (time, where, error)
        self.producers = 0
        self.committed = 0
        self.commit_times = []
        self.error = None

    def run(self):
        try:
            self.loop()
        except Exception:  # reported by the checker
            self.error = f"{self.txn_id}: {traceback.format_exc()}"

    def loop(self):
        from confluent_kafka import KafkaException
        deadline = time.time() + 240
        p = new_transactional(self.txn_id, self.errors, deadline)
        self.producers += 1
        t, done = -1, 0
        start = time.time()
        while done < self.n:
            if time.time() > deadline:
                raise RuntimeError(f"only {done} of {self.n} transactions in time")
            t += 1
            time.sleep(max(0.0, start + t / self.RATE - time.time()))
            size = 2 + t % 4
            on_purpose = t % 5 == 4
            self.status[t] = ["aborted", size]
            committing = False
            try:
                p.begin_transaction()
                for i in range(size):
                    p.produce(self.topic, value=b"p%d-t%d-i%d-n%d" % (self.k, t, i, size),
                              partition=(t + i) % TXN_PARTITIONS)
                if on_purpose:
                    p.flush(30)  # in the log, then aborted
                    end_transaction(p, commit=False)
                else:
                    committing = True
                    end_transaction(p, commit=True)
                    self.status[t][0] = "committed"
                    self.commit_times.append(time.time())
                    self.committed += 1
                done += 1
                continue
            except KafkaException as e:
                err = e.args[0]
                self.errors.append((time.time(), f"t{t} {'commit' if committing else 'txn'}",
                                    str(err)))
            if committing:
                self.status[t][0] = "unknown"
            aborted = False
            if not fatal_or_fenced(err) and err.txn_requires_abort():
                try:
                    end_transaction(p, commit=False)
                    aborted = True
                except KafkaException as e:
                    self.errors.append((time.time(), f"t{t} abort", str(e.args[0])))
            if aborted:
                self.status[t][0] = "aborted"
            else:
                del p
                p = new_transactional(self.txn_id, self.errors, deadline)
                self.producers += 1
            if on_purpose or self.status[t][0] == "unknown":
                done += 1  # else retried under a new number
        p.flush(30)


class Copier(threading.Thread):
    """The consume-transform-produce loop: reads TOPIC read_committed in
    group GROUP and copies each record (same value and partition) to OUT in
    a transaction that also commits the consumed offsets. On a failed
    transaction it aborts and starts a new consumer (back at the committed
    offsets); on a fatal one, a new producer too. Stops once `done` is set
    and it is at the end of every partition."""

    def __init__(self, topic, out, group, done):
        super().__init__(daemon=True)
        self.topic, self.out, self.group, self.done = topic, out, group, done
        self.txn_id = f"{topic}-ctp"
        self.errors = []
        self.transactions = self.copied = self.consumers = self.producers = 0
        self.finished = False
        self.error = None

    def run(self):
        try:
            self.loop()
        except Exception:  # reported by the checker
            self.error = f"copier: {traceback.format_exc()}"

    def consumer(self):
        from confluent_kafka import Consumer
        self.consumers += 1
        c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": self.group,
                      "enable.auto.commit": False, "auto.offset.reset": "earliest",
                      "isolation.level": "read_committed", "session.timeout.ms": 6000,
                      "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100,
                      "topic.metadata.refresh.interval.ms": 2000,
                      "reconnect.backoff.max.ms": 500})
        c.subscribe([self.topic])
        return c

    def at_end(self, c):
        assignment = c.assignment()
        if len(assignment) != TXN_PARTITIONS:
            return False
        positions = c.position(assignment)
        for pos in positions:
            _, end = c.get_watermark_offsets(pos, timeout=10, cached=False)
            if pos.offset < end:
                return False
        return True

    def loop(self):
        from confluent_kafka import KafkaException, TopicPartition
        deadline = time.time() + 300
        p = new_transactional(self.txn_id, self.errors, deadline)
        self.producers += 1
        c = self.consumer()
        while time.time() < deadline:
            batch = c.consume(200, 0.5)
            records = []
            for m in batch:
                if m.error():
                    self.errors.append((time.time(), "consume", str(m.error())))
                else:
                    records.append(m)
            if not records:
                try:
                    if self.done.is_set() and self.at_end(c):
                        self.finished = True
                        break
                except KafkaException as e:
                    self.errors.append((time.time(), "at_end", str(e.args[0])))
                continue
            committing = False
            try:
                p.begin_transaction()
                offsets = {}
                for m in records:
                    p.produce(self.out, value=m.value(), partition=m.partition())
                    offsets[m.partition()] = m.offset() + 1
                p.send_offsets_to_transaction(
                    [TopicPartition(self.topic, part, o) for part, o in offsets.items()],
                    c.consumer_group_metadata(), 30)
                committing = True
                end_transaction(p, commit=True)
                self.transactions += 1
                self.copied += len(records)
                continue
            except KafkaException as e:
                err = e.args[0]
                self.errors.append((time.time(), "commit" if committing else "txn", str(err)))
            aborted = False
            if not fatal_or_fenced(err) and err.txn_requires_abort():
                try:
                    end_transaction(p, commit=False)
                    aborted = True
                except KafkaException as e:
                    self.errors.append((time.time(), "abort", str(e.args[0])))
            if not aborted:
                # Fences the old producer and ends its transaction, before
                # the new consumer reads the committed offsets.
                del p
                p = new_transactional(self.txn_id, self.errors, deadline)
                self.producers += 1
            c.close()
            c = self.consumer()
        c.close()
        p.flush(30)
        if not self.finished:
            raise RuntimeError(f"not at the end in time: copied {self.copied} records")


def read_committed_log(topic, isolation="read_committed"):
    """Every record of TOPIC's partitions from offset 0 to the end for
    `isolation`: {partition: [(offset, value), ...]}."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"check-{time.time()}",
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": isolation, "fetch.wait.max.ms": 100})
    c.assign([TopicPartition(topic, p, 0) for p in range(TXN_PARTITIONS)])
    out = {p: [] for p in range(TXN_PARTITIONS)}
    pending = set(out)
    deadline = time.time() + 90
    while pending and time.time() < deadline:
        for m in c.consume(500, 0.5):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    pending.discard(m.partition())
                    continue
                fail(f"reading {topic} {isolation}: {m.error()}")
            out[m.partition()].append((m.offset(), m.value()))
    c.close()
    if pending:
        fail(f"reading {topic} {isolation}: no end reached on partitions {sorted(pending)}")
    return out


def check_offsets(topic, log_):
    for part, records in log_.items():
        offsets = [o for o, _ in records]
        for a, b in zip(offsets, offsets[1:]):
            if b <= a:
                fail(f"{topic} partition {part}: offset {b} after {a}")


def txn_workload():
    from confluent_kafka.admin import AdminClient, NewTopic
    workdir, topic, n = ARGS[0], ARGS[1], int(ARGS[2])
    out_topic = topic + "-out"
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    created = admin.create_topics([NewTopic(t, num_partitions=TXN_PARTITIONS,
                                            replication_factor=1)
                                   for t in (topic, out_topic)])
    for f in created.values():
        f.result(60)
    start = time.time()
    producers = [TxnProducer(k, topic, n) for k in range(2)]
    producers_done = threading.Event()
    copier = Copier(topic, out_topic, topic + "-ctp", producers_done)
    for p in producers:
        p.start()
    copier.start()

    def progress(count):
        with open(os.path.join(workdir, "progress.tmp"), "w") as f:
            f.write(str(count))
        os.replace(os.path.join(workdir, "progress.tmp"), os.path.join(workdir, "progress"))

    # The count stays 0 until the copier has committed, so that the fault
    # finds it at work too.
    while any(p.is_alive() for p in producers):
        progress(sum(p.committed for p in producers) if copier.transactions else 0)
        time.sleep(0.1)
    produced_at = time.time()
    progress(1 << 40)  # the test's fault, if still waiting, runs now
    producers_done.set()
    for p in producers:
        if p.error:
            fail(p.error)
    copier.join(300)
    copied_at = time.time()

    def diagnostics():
        for p in producers + [copier]:
            log(f"{p.txn_id}: {len(p.errors)} errors, {p.producers} producers: "
                f"{[(round(t - start, 2), w, e) for t, w, e in p.errors[:12]]}")
        log(f"copier: {copier.transactions} transactions, {copier.copied} records, "
            f"{copier.consumers} consumers")

    if copier.error or copier.is_alive():
        diagnostics()
        fail(copier.error or "the copier never finished")

    status = {(p.k, t): s for p in producers for t, s in p.status.items()}
    # TOPIC, read_committed.
    log_in = read_committed_log(topic)
    check_offsets(topic, log_in)
    seen = collections.defaultdict(dict)  # (k, t) -> {index: (partition, offset)}
    where = {}
    for part, records in log_in.items():
        for offset, value in records:
            m = TXN_VALUE.match(value)
            if m is None:
                fail(f"{topic} {part}/{offset}: a value nobody wrote: {value}")
            k, t, i, size = map(int, m.groups())
            if value in where:
                fail(f"{topic}: {value} twice, at {where[value]} and {(part, offset)}")
            where[value] = (part, offset)
            s = status.get((k, t))
            if s is None:
                fail(f"{topic} {part}/{offset}: {value} of a transaction never begun")
            if s[0] == "aborted":
                diagnostics()
                fail(f"aborted read: {value} at {part}/{offset}, transaction p{k}-t{t} was "
                     f"aborted")
            if size != s[1] or part != (t + i) % TXN_PARTITIONS:
                fail(f"{topic} {part}/{offset}: {value} does not match what was written")
            seen[(k, t)][i] = (part, offset)
    for (k, t), indices in seen.items():
        if len(indices) != status[(k, t)][1]:
            diagnostics()
            fail(f"torn transaction p{k}-t{t} ({status[(k, t)][0]}): only records "
                 f"{sorted(indices.items())} of {status[(k, t)][1]} visible")
    lost = [(k, t) for (k, t), s in status.items() if s[0] == "committed" and (k, t) not in seen]
    if lost:
        diagnostics()
        fail(f"{len(lost)} committed transactions lost, e.g. {lost[:5]}")
    counts = collections.Counter(s[0] for s in status.values())
    unknown_visible = sum(1 for key, s in status.items() if s[0] == "unknown" and key in seen)

    # TOPIC-out, read_committed: one copy of each record of TOPIC, in its
    # partition.
    log_out = read_committed_log(out_topic)
    check_offsets(out_topic, log_out)
    copies = collections.Counter()
    for part, records in log_out.items():
        for offset, value in records:
            copies[value] += 1
            if value not in where:
                m = TXN_VALUE.match(value)
                s = status.get((int(m.group(1)), int(m.group(2)))) if m else None
                diagnostics()
                fail(f"{out_topic} {part}/{offset}: {value} is not visible in {topic} "
                     f"(its transaction: {s})")
            if where[value][0] != part:
                fail(f"{out_topic} {part}/{offset}: {value} copied from partition "
                     f"{where[value][0]}")
    duplicates = {v: c for v, c in copies.items() if c > 1}
    if duplicates:
        diagnostics()
        fail(f"{len(duplicates)} records copied more than once into {out_topic}, e.g. "
             f"{sorted(duplicates.items())[:5]}")
    missing = sorted(set(where) - set(copies))
    if missing:
        diagnostics()
        fail(f"{len(missing)} records of {topic} never copied, e.g. "
             f"{[(v, where[v]) for v in missing[:5]]}")
    # What read_uncommitted adds: the aborted records really are in the log.
    uncommitted = sum(len(r) for r in read_committed_log(topic, "read_uncommitted").values())
    diagnostics()
    print(f"OK {counts['committed']} committed, {counts['aborted']} aborted, "
          f"{counts['unknown']} unknown ({unknown_visible} visible) transactions; "
          f"{topic}: {len(where)} records read_committed, {uncommitted} read_uncommitted; "
          f"no aborted reads, none torn or lost; {out_topic}: each once "
          f"({copier.transactions} transactions, {copier.consumers} consumers, "
          f"{copier.producers} producers); producers "
          f"{[p.producers for p in producers]}, errors {[len(p.errors) for p in producers]}, "
          f"longest time without a commit {[round(longest_gap(p.commit_times), 2) for p in producers]} s; "
          f"produced in {produced_at - start:.1f} s, copied {copied_at - produced_at:.1f} s "
          f"later, {time.time() - start:.1f} s", flush=True)


{"metadata": metadata, "workload": workload, "txn_workload": txn_workload,
 "probe": probe}[SCENARIO]()
