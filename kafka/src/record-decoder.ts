import { createRequire } from 'node:module';
import { replaceKafkajsModule } from './kafkajs-module.js';

/**
 * kafkajs 2.2.4's decoder of one record in a fetched batch, without its 64-bit arithmetic.
 *
 * kafkajs reads each record's timestamp and offset delta and adds them to the batch's first
 * timestamp and offset with its `Long` type: it parses both decimal strings again for every
 * record, builds half a dozen `Long` objects and prints the sums back to strings. That was about
 * a twentieth of live-push's time on a backlog. Offsets and millisecond timestamps fit a
 * JavaScript number exactly (below 2^53), so this adds them as numbers, and falls back to
 * kafkajs's own decoder for a record whose values do not fit. What it returns is what kafkajs's
 * returns, field for field (record-decoder.test.ts compares both on seeded random records).
 *
 * Installed like the read_committed filter (read-committed.ts): the module replaces kafkajs's
 * record decoder before kafkajs's batch decoder loads it, so it is imported ahead of kafkajs.
 */

interface Decoder {
  offset: number;
  buffer: Buffer;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (d: Decoder) => T): T[];
}

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  timestampType: number;
  maxTimestamp: string;
}

type RecordDecoder = (decoder: Decoder, batchContext?: BatchContext) => unknown;

const require = createRequire(import.meta.url);
const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (
  d: Decoder,
) => { key: string; value: Buffer | null };
const { LOG_APPEND_TIME } = require('kafkajs/src/protocol/timestampTypes.js') as {
  LOG_APPEND_TIME: number;
};

/** kafkajs's own record decoder, for what this one does not take on. */
export const kafkajsDecodeRecord = require(recordPath) as RecordDecoder;

/**
 * A zigzag varlong as a number, or null (the decoder left where it was) when it is longer than
 * 7 bytes, which could pass 2^53.
 */
function readSmallVarLong(d: Decoder): number | null {
  const buf = d.buffer;
  let at = d.offset;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const b = buf[at++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      d.offset = at;
      // Zigzag: 0, -1, 1, -2, … are written 0, 1, 2, 3, …
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  return null;
}

// The batch's first offset and timestamp as numbers, for its records one after another.
let lastContext: BatchContext | undefined;
let firstOffset = 0;
let firstTimestamp = 0;

const safe = (n: number) => Number.isSafeInteger(n);

function headersOf(d: Decoder): Record<string, Buffer | null | (Buffer | null)[]> {
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (const { key, value } of d.readVarIntArray(HeaderDecoder)) {
    const had = headers[key];
    headers[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return headers;
}

const decodeRecord: RecordDecoder = (decoder, batchContext) => {
  if (!batchContext) return kafkajsDecodeRecord(decoder, batchContext);
  if (batchContext !== lastContext) {
    lastContext = batchContext;
    firstOffset = Number(batchContext.firstOffset);
    firstTimestamp = Number(batchContext.firstTimestamp);
  }
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const start = decoder.offset;
  const attributes = decoder.readInt8();
  const timestampDelta = readSmallVarLong(decoder);
  const appendTime = timestampType === LOG_APPEND_TIME && Boolean(maxTimestamp);
  const timestamp = firstTimestamp + (timestampDelta ?? 0);
  const offsetDelta = decoder.readVarInt();
  const offset = firstOffset + offsetDelta;
  if (
    timestampDelta === null ||
    !safe(firstOffset) ||
    !safe(offset) ||
    (!appendTime && !(safe(firstTimestamp) && safe(timestamp)))
  ) {
    decoder.offset = start;
    return kafkajsDecodeRecord(decoder, batchContext);
  }
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers = headersOf(decoder);
  return {
    magicByte,
    attributes,
    timestamp: appendTime ? maxTimestamp : String(timestamp),
    offset: String(offset),
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
};

replaceKafkajsModule(recordPath, decodeRecord);

/** The record decoder kafkajs's batch decoder uses in this process: this one, unless kafkajs came first. */
export const fastRecordDecoder = decodeRecord;
