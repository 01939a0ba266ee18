// kafkajs 2.2.4 producing to warpd (usage: node kafkajs_produce.js BOOTSTRAP).
// Consuming with kafkajs needs consumer groups (issue 7); the test reads the
// records back with kcat.
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'warp-test', brokers: [process.argv[2]],
                            logLevel: logLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const offsets = [];
  for (const [codec, compression] of [['none', CompressionTypes.None],
                                      ['gzip', CompressionTypes.GZIP]]) {
    const messages = [];
    for (let i = 0; i < 50; i++) {
      messages.push({ key: `k${i}`, value: `kafkajs-${codec}-${i}`,
                      headers: { h: `${i}` }, partition: 0 });
    }
    const result = await producer.send({ topic: `js-${codec}`, acks: -1, compression, messages });
    offsets.push(`${codec}:${result[0].baseOffset}`);
  }
  await producer.disconnect();
  console.log('OK kafkajs', offsets.join(' '));
}

main().catch((e) => { console.error('FAIL', e); process.exit(1); });
