// Drives kafkajs against the recorder (capture.sh).
//
//   NODE_PATH=tools/node_modules node kafkajs_client.js 127.0.0.1:19095 \
//       produce gzip
//   NODE_PATH=tools/node_modules node kafkajs_client.js 127.0.0.1:19095 \
//       consume none,gzip
//
// produce sends the five golden records (keys k0..k4, values
// value-<codec>-<i>, timestamps 1700000000000 + i, header h1=v1 on k4) to
// topic golden-<codec> with that codec; kafkajs has gzip built in and needs a
// plugin for snappy, lz4 and zstd. consume reads them back through a consumer
// group, commits and leaves, and checks them. Exits non-zero on failure.
'use strict';

const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const RECORD_COUNT = 5;
const BASE_TIMESTAMP_MS = 1700000000000;
const HEADER_RECORD = 4;
const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

function goldenRecords(codec) {
  const records = [];
  for (let i = 0; i < RECORD_COUNT; i++) {
    const record = {
      key: `k${i}`,
      value: `value-${codec}-${i}`,
      timestamp: String(BASE_TIMESTAMP_MS + i),
    };
    if (i === HEADER_RECORD) record.headers = { h1: 'v1' };
    records.push(record);
  }
  return records;
}

async function produce(kafka, codec) {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({
    topic: `golden-${codec}`,
    acks: -1,
    compression: CODECS[codec],
    messages: goldenRecords(codec),
  });
  await producer.disconnect();
}

async function consume(kafka, codecs) {
  const consumer = kafka.consumer({ groupId: 'golden-kafkajs-group' });
  await consumer.connect();
  await consumer.subscribe({
    topics: codecs.map((c) => `golden-${c}`),
    fromBeginning: true,
  });
  const want = RECORD_COUNT * codecs.length;
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out with ${got.length} records`)), 30000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const headers = Object.entries(message.headers || {}).map(
            ([k, v]) => `${k}=${v.toString()}`);
          got.push(`${topic} ${message.key} ${message.value} ${headers}`);
          await consumer.commitOffsets([
            { topic, partition, offset: String(Number(message.offset) + 1) },
          ]);
          if (got.length === want) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();

  const expected = [];
  for (const c of codecs) {
    for (const r of goldenRecords(c)) {
      const headers = Object.entries(r.headers || {}).map(([k, v]) => `${k}=${v}`);
      expected.push(`golden-${c} ${r.key} ${r.value} ${headers}`);
    }
  }
  if (JSON.stringify(got.sort()) !== JSON.stringify(expected.sort())) {
    throw new Error(`consumed ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  }
  console.log(`kafkajs: consumed ${got.length} records`);
}

async function main() {
  const [bootstrap, mode, arg] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'golden-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    retry: { retries: 2 },
  });
  if (mode === 'produce') {
    await produce(kafka, arg);
  } else if (mode === 'consume') {
    await consume(kafka, arg.split(','));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
