import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { startTransactionalProducers } from './kafka-producers.js';

/**
 * How a failed transaction is reported, which decides whether its records may be tried again
 * from the consumer's position. The client is a stand-in that fails where told: what Kafka does
 * with transactions is tested against the real broker (notifications tests).
 */
function client(fail: 'send' | 'commit') {
  const calls: string[] = [];
  const txn = {
    send: async () => {
      calls.push('send');
      if (fail === 'send') throw new Error('leader not available');
      return [{ topicName: 'out', partition: 0, errorCode: 0 }];
    },
    sendOffsets: async () => void calls.push('sendOffsets'),
    commit: async () => {
      calls.push('commit');
      if (fail === 'commit') throw new Error('request timed out');
    },
    abort: async () => void calls.push('abort'),
  };
  const kafka = {
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => void calls.push('disconnect'),
      transaction: async () => {
        calls.push('transaction');
        return txn;
      },
    }),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async () => ({ topics: [{ partitions: [{ partitionId: 0 }] }] }),
    }),
  } as unknown as KafkaClient;
  return { kafka, calls };
}

const write = {
  records: [{ topic: 'out', records: [{ key: 'k', value: 'v' }] }],
  offsets: { groupId: 'g', topic: 'in', partition: 0, offset: '10' },
};

describe('transactional write', () => {
  it('aborts and rejects with the error as it is when a send fails: safe to try again', async () => {
    const { kafka, calls } = client('send');
    const err = await startTransactionalProducers(kafka, 'base')
      .write(write)
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('leader not available');
    expect(calls).toEqual(['transaction', 'send', 'abort', 'disconnect']);
  });

  it('rejects with "outcome unknown" when the commit fails, and aborts nothing: it may have committed', async () => {
    const { kafka, calls } = client('commit');
    const err = await startTransactionalProducers(kafka, 'base')
      .write(write)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
    expect((err as Error).message).toMatch(/outcome unknown: request timed out/);
    // No abort after a commit was sent: it could only fail, or abort nothing.
    expect(calls).toEqual(['transaction', 'send', 'sendOffsets', 'commit', 'disconnect']);
  });
});
