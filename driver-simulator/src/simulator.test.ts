import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { createFleet } from './fleet.js';
import { PartialSendError, acceleratedClock, runSimulator } from './simulator.js';

const fleet = () =>
  createFleet({ drivers: 30, seed: 1, center: { lat: 52.52, lng: 13.405 }, radiusM: 2000 });

describe('runSimulator', () => {
  it('ticks every driver once per interval and sends everything', async () => {
    const got: LocationRecord[] = [];
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 1,
      durationS: 20,
      parts: 3,
      clock: acceleratedClock(100),
      send: async (r) => void got.push(...r),
    });
    expect(s.slots).toBe(60);
    expect(s.sent).toBe(got.length);
    expect(got.filter((r) => r.type === 'position').length).toBeGreaterThanOrEqual(30 * 20);
  });

  it('reports falling behind when sending takes longer than the schedule allows', async () => {
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 10,
      durationS: 1,
      parts: 1,
      send: () => new Promise((r) => setTimeout(r, 250)),
    });
    expect(s.behindSlots).toBeGreaterThan(3);
    expect(s.maxLagMs).toBeGreaterThan(500);
  });

  it('sends a failed batch again, as it is, before the next one', async () => {
    let n = 0;
    const attempts: LocationRecord[][] = [];
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 1,
      durationS: 5,
      parts: 1,
      clock: acceleratedClock(100),
      send: async (r) => {
        attempts.push(r);
        if (n++ % 2 === 0) throw new Error('broker said no');
      },
    });
    expect(s.errors).toBe(0);
    expect(s.retries).toBe(5);
    expect(s.lastError?.message).toBe('broker said no');
    // Every batch went out twice, the same records both times, in order.
    expect(attempts).toHaveLength(10);
    for (let i = 0; i < 10; i += 2) expect(attempts[i + 1]).toBe(attempts[i]);
    expect(s.sent).toBe(attempts.filter((_, i) => i % 2 === 1).flat().length);
  });

  it('sends again only what a partly failed batch did not get through', async () => {
    const attempts: LocationRecord[][] = [];
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 1,
      durationS: 3,
      parts: 1,
      clock: acceleratedClock(100),
      send: async (r) => {
        attempts.push(r);
        // The first attempt of every batch gets only its first third through.
        if (attempts.length % 2 === 1) {
          const cut = Math.floor(r.length / 3);
          throw new PartialSendError(r.slice(0, cut), r.slice(cut), {
            cause: new Error('leader gone'),
          });
        }
      },
    });
    expect(s.errors).toBe(0);
    expect(s.retries).toBe(3);
    expect(s.lastError?.message).toMatch(/not acknowledged: leader gone/);
    expect(attempts).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      const cut = Math.floor(attempts[i]!.length / 3);
      expect(attempts[i + 1]).toEqual(attempts[i]!.slice(cut));
    }
    // Every record counted once: the first third of each batch at its first attempt.
    expect(s.sent).toBe(attempts.filter((_, i) => i % 2 === 0).flat().length);
  });

  it('gives up on a batch that keeps failing, counting its records as errors', async () => {
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 1,
      durationS: 3,
      parts: 1,
      failAfterMs: 300,
      clock: acceleratedClock(100),
      send: async () => {
        throw new Error('broker gone');
      },
    }).catch((err: Error) => err);
    expect(s).toBeInstanceOf(Error);
    expect((s as Error).message).toMatch(/every send failed for 0.3 s: broker gone/);
  });

  it('stops when aborted', async () => {
    const stop = new AbortController();
    const s = await runSimulator({
      fleet: fleet(),
      rateHz: 1,
      durationS: 0,
      clock: acceleratedClock(100),
      signal: stop.signal,
      send: async () => undefined,
      onStatus: (st) => st.slots >= 10 && stop.abort(),
    });
    expect(s.slots).toBe(10);
  });
});
