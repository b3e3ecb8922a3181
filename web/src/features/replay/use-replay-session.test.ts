import { describe, expect, it } from 'vitest';
import {
  initialPlayer,
  playerStatus,
  reducePlayer,
  type PlayerState,
} from './use-replay-session.js';

const started: PlayerState = reducePlayer(
  { ...initialPlayer(10), connection: { kind: 'open' } },
  {
    type: 'replay-start',
    from: 1000,
    to: 61_000,
    oldestAvailable: 0,
    speed: 10,
    deliveryId: null,
  },
);
const state = (at: number, playing: boolean, seeked = false) =>
  ({ type: 'replay-state', at, speed: 10, playing, seeked }) as const;

describe('reducePlayer', () => {
  it('starts at the window start and follows the clock', () => {
    expect(started.at).toBe(1000);
    expect(playerStatus(started)).toBe('paused');
    const playing = reducePlayer(started, state(5000, true));
    expect(playing).toMatchObject({ at: 5000, playing: true });
    expect(playerStatus(playing)).toBe('playing');
  });

  it('stays ended through a late clock tick, until a seek', () => {
    const ended = reducePlayer(reducePlayer(started, state(60_000, true)), {
      type: 'replay-end',
      at: 61_000,
    });
    expect(playerStatus(ended)).toBe('ended');
    const late = reducePlayer(ended, state(60_500, true));
    expect(late).toMatchObject({ ended: true, playing: false });
    const again = reducePlayer(late, state(1000, true, true));
    expect(again).toMatchObject({ ended: false, playing: true, at: 1000 });
  });

  it('says what went wrong', () => {
    const failed = reducePlayer(started, {
      type: 'replay-error',
      code: 'OUT_OF_RETENTION',
      message: 'That window is no longer in the log.',
      oldestAvailable: 5000,
    });
    expect(playerStatus(failed)).toBe('That window is no longer in the log.');
    expect(playerStatus({ ...initialPlayer(1), connection: { kind: 'refused' } })).toBe(
      'Could not start the replay.',
    );
    expect(playerStatus({ ...started, connection: { kind: 'closed', code: 1006 } })).toBe(
      'The replay was interrupted.',
    );
  });
});
