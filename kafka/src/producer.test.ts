import { describe, expect, it } from 'vitest';
import {
  sendVerified,
  UnacknowledgedSendError,
  type OutgoingRecord,
  type PartitionedMessage,
} from './producer.js';

const TOPIC = 't';
const records: OutgoingRecord[] = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ key: k, value: k }));
const partitions = [0, 1, 0, 2, 1];

/** A fake produce call: answers per partition as `answer` says, and logs what it was sent. */
function fakeSend(answer: (partition: number, call: number) => 'ok' | 'missing' | 'reject') {
  const sent: PartitionedMessage[][] = [];
  const calls = new Map<number, number>();
  const send = async (m: PartitionedMessage[]) => {
    sent.push(m);
    const partition = m[0]!.partition;
    const call = (calls.get(partition) ?? 0) + 1;
    calls.set(partition, call);
    const a = answer(partition, call);
    if (a === 'reject') throw new Error(`partition ${partition} failed`);
    return a === 'ok' ? [{ topicName: TOPIC, partition, errorCode: 0 }] : [];
  };
  return { send, sent };
}

describe('sendVerified', () => {
  it('sends each partition on its own, its records in order', async () => {
    const { send, sent } = fakeSend(() => 'ok');
    await sendVerified(TOPIC, records, partitions, send);
    const byPartition = Object.fromEntries(sent.map((m) => [m[0]!.partition, m.map((x) => x.key)]));
    expect(byPartition).toEqual({ 0: ['a', 'c'], 1: ['b', 'e'], 2: ['d'] });
  });

  it("tells the caller's own records acknowledged when another partition fails", async () => {
    // The simulator sends again what was not acknowledged, by identity: copies here made it
    // send every acknowledged record again, stored twice (the single-broker chaos test).
    const { send } = fakeSend((p) => (p === 1 ? 'reject' : 'ok'));
    const acked: OutgoingRecord[] = [];
    await expect(
      sendVerified(TOPIC, records, partitions, send, { onAcknowledged: (l) => acked.push(...l) }),
    ).rejects.toThrow('partition 1 failed');
    expect(acked).toHaveLength(3);
    for (const r of acked) expect(records).toContain(r);
    expect(acked.map((r) => r.key).sort()).toEqual(['a', 'c', 'd']);
  });

  it('sends a partition missing from the answer again, and only that one', async () => {
    const { send, sent } = fakeSend((p, call) => (p === 2 && call === 1 ? 'missing' : 'ok'));
    const acked: OutgoingRecord[] = [];
    await sendVerified(TOPIC, records, partitions, send, {
      onAcknowledged: (l) => acked.push(...l),
    });
    expect(sent.map((m) => m[0]!.partition)).toEqual([0, 1, 2, 2]);
    expect(acked).toHaveLength(records.length);
  });

  it('gives up after 5 tries on a partition never in the answer', async () => {
    const { send, sent } = fakeSend((p) => (p === 2 ? 'missing' : 'ok'));
    const err = await sendVerified(TOPIC, records, partitions, send).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnacknowledgedSendError);
    expect((err as UnacknowledgedSendError).partitions).toEqual([2]);
    expect(sent.filter((m) => m[0]!.partition === 2)).toHaveLength(5);
  });

  it('refuses a partition list that does not match the records', async () => {
    const { send } = fakeSend(() => 'ok');
    await expect(sendVerified(TOPIC, records, [0], send)).rejects.toThrow(
      '5 records but 1 partitions',
    );
  });
});
