import { expect, it } from 'vitest';
import type { Subscriber } from '../infra/redis-pubsub.js';
import { testLogger } from '../testing/fixtures.js';
import { createSubscriptions } from './subscriptions.js';

/** A sharded subscriber whose SSUBSCRIBEs answer as `answer` says (never, by default). */
function stubSubscriber(
  answer: (channel: string) => Promise<unknown> = () => new Promise(() => {}),
) {
  const asked: string[] = [];
  const replaced: (() => void)[] = [];
  const sub: Subscriber = {
    subscribe: () => Promise.resolve(),
    unsubscribe: () => Promise.resolve(),
    psubscribe: () => Promise.resolve(),
    punsubscribe: () => Promise.resolve(),
    ssubscribe: (channel) => {
      asked.push(channel);
      return answer(channel);
    },
    sunsubscribe: () => Promise.resolve(),
    onShardSubscribersChanged: (l) => {
      replaced.push(l);
      return () => undefined;
    },
    onShardMessage: () => () => undefined,
    onMessage: () => () => undefined,
    onPatternMessage: () => () => undefined,
    close: () => undefined,
    sharded: true,
  };
  return { sub, asked, replace: () => replaced.forEach((l) => l()) };
}

it("fails a customer's set-up whose partition's subscription never answers, and tries it again for the next", async () => {
  // ioredis leaves an SSUBSCRIBE answered with MOVED unsettled: a customer must not wait for good.
  let answer = false;
  const { sub, asked } = stubSubscriber(() =>
    answer ? Promise.resolve() : new Promise(() => undefined),
  );
  const subscriptions = createSubscriptions(
    sub,
    {
      sharded: {
        sources: () => Promise.resolve([]),
        homeOf: () => Promise.resolve('loc:3'),
        channel: (source) => `feed:{${source}}`,
        notes: 'feed:n',
        everyMs: 60_000,
        subscribeTimeoutMs: 50,
      },
    },
    testLogger(),
  );
  try {
    await expect(subscriptions.addDelivery('d', () => undefined)).rejects.toThrow(
      'SSUBSCRIBE feed:{loc:3}: no answer within 50 ms',
    );
    expect(subscriptions.channels).toBe(0);
    answer = true;
    const remove = await subscriptions.addDelivery('d', () => undefined);
    expect(asked).toEqual(['feed:{loc:3}', 'feed:{loc:3}']);
    expect(subscriptions.channels).toBe(1);
    remove();
  } finally {
    subscriptions.close();
  }
});

it('subscribes every partition again once ioredis replaced a subscriber connection', async () => {
  // ioredis subscribes again by itself, but drops a channel whose SSUBSCRIBE then fails.
  const { sub, asked, replace } = stubSubscriber(() => Promise.resolve());
  const subscriptions = createSubscriptions(
    sub,
    {
      sharded: {
        sources: () => Promise.resolve(['loc:0', 'loc:1']),
        homeOf: () => Promise.resolve('loc:0'),
        channel: (source) => `feed:{${source}}`,
        notes: 'feed:n',
        everyMs: 10,
      },
    },
    testLogger(),
  );
  try {
    await expect.poll(() => asked).toEqual(['feed:{loc:0}', 'feed:{loc:1}']);
    // Looking again changes nothing while the connections stand.
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toHaveLength(2);
    replace();
    await expect.poll(() => asked).toHaveLength(4);
    expect(asked.slice(2).sort()).toEqual(['feed:{loc:0}', 'feed:{loc:1}']);
  } finally {
    subscriptions.close();
  }
});
