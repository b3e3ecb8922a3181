import type { IHeaders } from 'kafkajs';
import { DLQ_HEADERS } from '@fleetstream/contracts';
import type { ConsumedRecord } from './kafka-consumer.js';
import type { OutgoingRecord } from '@fleetstream/kafka/producer';

/** Dead-lettered values are cut to this; the original size goes in a header. */
const MAX_DEAD_LETTER_BYTES = 64 * 1024;

/**
 * A dead letter for a record that failed processing: its key and value (cut to 64 KiB, so a
 * batch of huge invalid records can never exceed the broker's message size and block the
 * partition), with headers that trace it to its source and say why.
 */
export function deadLetter(source: ConsumedRecord, error: string, group: string): OutgoingRecord {
  const value = source.value ?? Buffer.alloc(0);
  const headers: IHeaders = { ...deadLetterHeaders(source, error), [DLQ_HEADERS.group]: group };
  if (value.byteLength > MAX_DEAD_LETTER_BYTES)
    headers[DLQ_HEADERS.originalBytes] = String(value.byteLength);
  return { key: source.key, value: value.subarray(0, MAX_DEAD_LETTER_BYTES), headers };
}

function deadLetterHeaders(source: ConsumedRecord, error: string): IHeaders {
  return {
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: source.offset,
    // Header values are small and printable; errors are cut to keep records bounded.
    [DLQ_HEADERS.error]: error.slice(0, 1000),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
}
