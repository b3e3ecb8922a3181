import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { fastRecordDecoder, kafkajsDecodeRecord } from './record-decoder.js';

const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | string[]>;
}) => Encoded;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (
  b: Buffer,
) => Parameters<typeof kafkajsDecodeRecord>[0];

/** A seeded generator (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it('decodes what kafkajs decodes, field for field, large and odd values included', () => {
  const r = random(20261207);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const firstOffsets = [
    '0',
    '17',
    '2147483647',
    '9007199254740000',
    '9007199254740991',
    '9223372036854775000',
  ];
  const firstTimestamps = ['-1', '0', '1796619001946', '9007199254740990', '9223372036854775000'];
  const deltas = [
    0,
    1,
    -1,
    63,
    64,
    -65,
    8191,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 40,
    -(2 ** 45),
    2 ** 52,
  ];
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const headers: Record<string, string | string[]> = {};
    for (let h = Math.floor(r() * 3); h > 0; h--)
      headers[pick(['a', 'b', 'trace'])] = pick(['x', '', 'yz']);
    if (r() < 0.1) headers.multi = ['1', '2', '3'];
    const encoded = encodeRecord({
      offsetDelta: Math.floor(r() * 10_000),
      timestampDelta: pick(deltas),
      key: r() < 0.2 ? null : Buffer.from(`drv-${i}`),
      value: r() < 0.05 ? null : Buffer.from(JSON.stringify({ i, s: 'é🚚'.repeat(i % 4) })),
      headers,
    }).buffer;
    const context = {
      firstOffset: pick(firstOffsets),
      firstTimestamp: pick(firstTimestamps),
      magicByte: 2,
      isControlBatch: r() < 0.1,
      timestampType: pick([0, 1, -1]),
      maxTimestamp: pick(['1796619009999', '-1', '']),
      inTransaction: false,
    };
    const body = (b: Buffer) => new Decoder(new Decoder(b).readVarIntBytes()!);
    const theirs = body(encoded);
    const ours = body(encoded);
    const expected = kafkajsDecodeRecord(theirs, context);
    expect(fastRecordDecoder(ours, context)).toEqual(expected);
    expect(ours.offset).toBe(theirs.offset);
    checked++;
  }
  expect(checked).toBe(3000);
});

it("is the decoder kafkajs's batch decoder loads", () => {
  expect(require(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js'))).toBe(
    fastRecordDecoder,
  );
});
