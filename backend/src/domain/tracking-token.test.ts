import { describe, expect, it } from 'vitest';
import { signTrackingToken, verifyTrackingToken } from './tracking-token.js';

const secret = 'k'.repeat(32);
const now = 1_763_784_742_000;

describe('tracking tokens', () => {
  const token = signTrackingToken(secret, 'dlv-a', now + 60_000);

  it('opens its own delivery until it expires', () => {
    expect(verifyTrackingToken(secret, token, 'dlv-a', now)).toMatchObject({
      ok: true,
      claims: { d: 'dlv-a' },
    });
    expect(verifyTrackingToken(secret, token, 'dlv-a', now + 60_000)).toEqual({
      ok: false,
      status: 401,
      reason: 'expired',
    });
  });

  it('refuses another delivery with 403', () => {
    expect(verifyTrackingToken(secret, token, 'dlv-b', now)).toEqual({
      ok: false,
      status: 403,
      reason: 'wrong-delivery',
    });
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['garbage', 'abc', 'malformed'],
    ['another secret', signTrackingToken('x'.repeat(32), 'dlv-a', now + 60_000), 'bad-signature'],
    [
      'tampered payload',
      `${Buffer.from('{"d":"dlv-a","e":99999999999}').toString('base64url')}.${token.split('.')[1]}`,
      'bad-signature',
    ],
  ])('refuses a %s token with 401', (_n, t, reason) => {
    expect(verifyTrackingToken(secret, t, 'dlv-a', now)).toEqual({
      ok: false,
      status: 401,
      reason,
    });
  });
});
