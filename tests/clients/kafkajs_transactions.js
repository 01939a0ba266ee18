// kafkajs 2.2.4 transactions against warpd (usage: node
// kafkajs_transactions.js BOOTSTRAP). Commits one transaction, aborts one,
// commits a third with offsets of a group (sendOffsets); a read_committed
// consumer (kafkajs's default) sees exactly the committed records, a
// read_uncommitted one sees them all, the group's offset is the one the
// committed transaction sent, and a second producer with the same
// transactional id fences the first.
const { Kafka, logLevel } = require('kafkajs');

const TOPIC = 'js-tx';
const GROUP = 'js-tx-offsets';

function fail(message) {
  console.log(`FAIL ${message}`);
  process.exit(1);
}

async function readAll(kafka, readUncommitted, want) {
  const consumer = kafka.consumer({ groupId: `js-tx-read-${Date.now()}-${readUncommitted}`,
                                    readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const seen = [];
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()); } });
  const deadline = Date.now() + 30000;
  while (seen.length < want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));  // nothing more comes
  await consumer.disconnect();
  return seen.sort();
}

async function main() {
  const kafka = new Kafka({ clientId: 'warp-tx-test', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  const producer = kafka.producer({ transactionalId: 'js-tx-id', idempotent: true,
                                    maxInFlightRequests: 1 });
  await producer.connect();
  const messages = (prefix) =>
    Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `${prefix}-${i}` }));

  let txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('first') });
  await txn.commit();
  txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('aborted') });
  await txn.abort();
  txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('second') });
  await txn.sendOffsets({ consumerGroupId: GROUP,
                          topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] }] });
  await txn.commit();

  const committed = await readAll(kafka, false, 20);
  const want = [...messages('first'), ...messages('second')].map((m) => m.value).sort();
  if (JSON.stringify(committed) !== JSON.stringify(want)) fail(`read_committed saw ${committed}`);
  const all = await readAll(kafka, true, 30);
  if (all.length !== 30) fail(`read_uncommitted saw ${all.length}: ${all}`);
  const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const p0 = offsets[0].partitions.find((p) => p.partition === 0);
  if (!p0 || p0.offset !== '5') fail(`group offsets ${JSON.stringify(offsets)}`);

  // A successor with the same transactional id fences this producer.
  const zombieTxn = await producer.transaction();
  await zombieTxn.send({ topic: TOPIC, messages: [{ partition: 0, value: 'zombie' }] });
  const successor = kafka.producer({ transactionalId: 'js-tx-id', idempotent: true,
                                     maxInFlightRequests: 1 });
  await successor.connect();
  // kafkajs sends InitProducerId with its transactional id (which fences)
  // when the first transaction begins, not at connect.
  const successorTxn = await successor.transaction();
  let fenced = false;
  try {
    await zombieTxn.commit();
  } catch (e) {
    fenced = /fenced|epoch/i.test(`${e.type} ${e.message}`);
    if (!fenced) fail(`zombie commit failed oddly: ${e.type} ${e.message}`);
  }
  if (!fenced) fail('the zombie committed');
  await successorTxn.send({ topic: TOPIC, messages: [{ partition: 1, value: 'successor' }] });
  await successorTxn.commit();
  const last = await readAll(kafka, false, 21);
  if (last.includes('zombie') || !last.includes('successor')) fail(`after fencing: ${last}`);
  await successor.disconnect();
  await producer.disconnect().catch(() => {});
  await admin.disconnect();
  console.log(`OK kafkajs transactions committed=${committed.length} all=${all.length}`);
}

main().catch((e) => fail(`${e.type || ''} ${e.stack}`));
