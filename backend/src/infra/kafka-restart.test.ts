import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { testLogger } from '../testing/fixtures.js';
import { CommitOutcomeUnknown } from './kafka-producers.js';
import { restartInsteadOfExit } from './kafka-consumer.js';

const o = { groupId: 'g', log: testLogger() };
/** What kafkajs decides from an error thrown by eachBatch (consumer/index.js, retry/index.js). */
function kafkajsVerdict(err: unknown): 'retry in place' | 'restart' | 'exit' {
  const e = err as { retriable?: boolean; cause?: unknown };
  if (e.retriable !== false) return 'retry in place';
  let inner = (e.cause ?? e) as { retriable?: boolean; cause?: unknown };
  while (inner.cause) inner = inner.cause as typeof inner;
  return inner.retriable === true ? 'restart' : 'exit';
}
const kafkajsError = (name: string, retriable: boolean, type?: string) =>
  Object.assign(new Error(name), { name, retriable, type });

describe('what a failed chunk does to the consumer', () => {
  it('restarts, not exits, when the group coordinator cannot be found (a paused broker)', () => {
    // As txn.sendOffsets throws it, and as a retry wrapper would.
    const sendOffsets = kafkajsError('KafkaJSGroupCoordinatorNotFound', false);
    const wrapped = Object.assign(kafkajsError('KafkaJSNumberOfRetriesExceeded', false), {
      cause: sendOffsets,
    });
    expect(kafkajsVerdict(wrapped)).toBe('exit');
    expect(kafkajsVerdict(restartInsteadOfExit(wrapped, o))).toBe('restart');
    expect(kafkajsVerdict(sendOffsets)).toBe('exit');
    expect(kafkajsVerdict(restartInsteadOfExit(sendOffsets, o))).toBe('restart');
  });

  it('restarts, not exits, when its transactional producer was fenced by a newer owner', () => {
    // As kafkajs throws it from addOffsetsToTxn after the partition's new owner initialised.
    for (const type of ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']) {
      const fenced = Object.assign(kafkajsError('KafkaJSNonRetriableError', false), {
        cause: kafkajsError('KafkaJSProtocolError', false, type),
      });
      expect(kafkajsVerdict(fenced)).toBe('exit');
      expect(kafkajsVerdict(restartInsteadOfExit(fenced, o))).toBe('restart');
    }
  });

  it('restarts after a commit with an unknown outcome, never retrying the chunk in place', () => {
    const unknown = new CommitOutcomeUnknown('KAFKA_UNAVAILABLE', 'commit timed out', {
      retriable: true,
      cause: kafkajsError('KafkaJSRequestTimeoutError', true),
    });
    expect(kafkajsVerdict(unknown)).toBe('retry in place');
    expect(kafkajsVerdict(restartInsteadOfExit(unknown, o))).toBe('restart');
  });

  it('leaves rebalances, coordinators still loading, ordinary retriable errors and fatal ones as they are', () => {
    const rebalance = kafkajsError('KafkaJSProtocolError', true, 'REBALANCE_IN_PROGRESS');
    const loading = kafkajsError('KafkaJSProtocolError', true, 'COORDINATOR_LOAD_IN_PROGRESS');
    const redis = new AppError('REDIS_UNAVAILABLE', 'connection lost', { retriable: true });
    const fatal = new AppError('KAFKA_FATAL', 'state moved under us', { retriable: false });
    for (const e of [rebalance, loading, redis, fatal]) expect(restartInsteadOfExit(e, o)).toBe(e);
  });
});
