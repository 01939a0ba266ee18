// A kafkajs 2.2.4 consumer group of two members against warpd (usage: node
// kafkajs_group.js BOOTSTRAP). Produces 40 records to each of 4 partitions,
// consumes them all with two members that commit, disconnects them, and
// checks that a third member of the same group resumes after the commits.
const { Kafka, logLevel } = require('kafkajs');

const TOPIC = 'js-group';
const GROUP = 'js-group-members';
const PARTITIONS = 4;
const PER_PARTITION = 40;

async function waitFor(what, condition, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function member(kafka, assigned, name) {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000,
                                    heartbeatInterval: 1000, rebalanceTimeout: 10000 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned[name] = (e.payload.memberAssignment[TOPIC] || []).slice().sort();
  });
  return consumer;
}

async function main() {
  const kafka = new Kafka({ clientId: 'warp-group-test', brokers: [process.argv[2]],
                            logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let i = 0; i < PER_PARTITION; i++) messages.push({ partition: p, value: `p${p}-${i}` });
  }
  await producer.send({ topic: TOPIC, messages });

  const seen = new Map();  // "partition/offset" -> value
  const assigned = {};
  const members = ['a', 'b'].map((name) => member(kafka, assigned, name));
  for (const consumer of members) {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.set(`${partition}/${message.offset}`, message.value.toString());
      },
    });
  }
  await waitFor('two members sharing 4 partitions', () => {
    const all = Object.values(assigned).flat().sort();
    return Object.keys(assigned).length === 2 && all.join() === '0,1,2,3' &&
           Object.values(assigned).every((a) => a.length === 2);
  });
  await waitFor('every record', () => seen.size === PARTITIONS * PER_PARTITION);
  for (const [key, value] of seen) {
    const [p, o] = key.split('/');
    if (value !== `p${p}-${o}`) throw new Error(`${key} holds ${value}`);
  }
  for (const consumer of members) await consumer.disconnect();  // commits, leaves

  // A new member of the group resumes after the committed offsets.
  await producer.send({ topic: TOPIC, messages: [{ partition: 0, value: 'after' }] });
  const resumed = [];
  const third = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 1000 });
  await third.connect();
  await third.subscribe({ topic: TOPIC, fromBeginning: true });
  await third.run({
    eachMessage: async ({ partition, message }) => {
      resumed.push(`${partition}/${message.offset}/${message.value}`);
    },
  });
  await waitFor('the record after the commits', () => resumed.length >= 1);
  await third.disconnect();
  const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  await admin.disconnect();
  await producer.disconnect();
  if (resumed.join() !== `0/${PER_PARTITION}/after`) {
    throw new Error(`resumed with ${resumed.join()}`);
  }
  const committed = offsets[0].partitions.map((p) => `${p.partition}:${p.offset}`).sort();
  console.log('OK kafkajs group', committed.join(' '));
}

main().catch((e) => { console.error('FAIL', e); process.exit(1); });
