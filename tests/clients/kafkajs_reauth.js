// kafkajs 2.2.4 re-authenticating (KIP-368) against warpd --sasl_reauth_ms
// (usage: node kafkajs_reauth.js SASL_BOOTSTRAP SECONDS). Logs in as alice
// (SCRAM-SHA-512) and produces a record every 100 ms for SECONDS, kafkajs
// re-authenticating on its connections a second before each login expires;
// then reads every record back. Prints "OK <records>".
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, seconds] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'warp-reauth', brokers: [bootstrap], logLevel: logLevel.ERROR,
    reauthenticationThreshold: 1000, retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } });
  const topic = 'js-reauth';
  const producer = kafka.producer();
  await producer.connect();
  const end = Date.now() + Number(seconds) * 1000;
  let sent = 0;
  while (Date.now() < end) {
    await producer.send({ topic, messages: [{ value: `r${sent}` }] });
    sent++;
    await new Promise((r) => setTimeout(r, 100));
  }
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const stored = offsets.reduce((n, p) => n + Number(p.high), 0);
  if (stored !== sent) throw new Error(`sent ${sent}, stored ${stored}`);
  console.log(`OK ${sent}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
