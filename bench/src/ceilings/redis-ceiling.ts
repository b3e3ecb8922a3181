import { Redis } from 'ioredis';
import { samplePositionMessage } from './sample-records.js';

export interface RedisCeiling {
  published: number;
  seconds: number;
  publishPerS: number;
  receivedPerS: number;
  pipeline: number;
  channels: number;
  messageBytes: number;
}

const PIPELINE = 1000;
const CHANNELS = 100;

/**
 * ioredis PUBLISH, pipelined 1000 at a time, of a real position message to 100 channels that
 * one pattern subscriber (like a gateway) listens to, for `seconds`.
 */
export async function measureRedisCeiling(
  url: string,
  o: { seconds: number },
  log: (line: string) => void,
): Promise<RedisCeiling> {
  const pub = new Redis(url);
  const sub = new Redis(url);
  const message = samplePositionMessage();
  let received = 0;
  sub.on('pmessage', () => received++);
  await sub.psubscribe('bench-ceiling:live:*');
  let published = 0;
  const started = performance.now();
  const end = started + o.seconds * 1000;
  while (performance.now() < end) {
    const p = pub.pipeline();
    for (let i = 0; i < PIPELINE; i++) p.publish(`bench-ceiling:live:${i % CHANNELS}`, message);
    await p.exec();
    published += PIPELINE;
  }
  const seconds = (performance.now() - started) / 1000;
  const drainEnd = performance.now() + 5000;
  while (received < published && performance.now() < drainEnd)
    await new Promise((r) => setTimeout(r, 20));
  const receivedSeconds = (performance.now() - started) / 1000;
  pub.disconnect();
  sub.disconnect();
  const r = {
    published,
    seconds,
    publishPerS: published / seconds,
    receivedPerS: received / receivedSeconds,
    pipeline: PIPELINE,
    channels: CHANNELS,
    messageBytes: Buffer.byteLength(message),
  };
  log(`ioredis PUBLISH: ${Math.round(r.publishPerS).toLocaleString('en-US')} msgs/s`);
  return r;
}
