import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Customer tracking tokens: `<payload>.<signature>`, both base64url, where the payload names
 * one delivery and an expiry and the signature is HMAC-SHA256 with TRACKING_SECRET. Bound to a
 * delivery, so a link for one delivery can never open another.
 */
export interface TokenClaims {
  /** The one delivery this token opens. */
  d: string;
  /** Expiry, epoch seconds. */
  e: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | {
      ok: false;
      status: 401 | 403;
      reason: 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-delivery';
    };

const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest();

export function signTrackingToken(secret: string, deliveryId: string, expiresAtMs: number): string {
  const payload = Buffer.from(
    JSON.stringify({ d: deliveryId, e: Math.floor(expiresAtMs / 1000) }),
  ).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/** A customer tracking link's path: `/track/<deliveryId>?t=<token>`. */
export const trackingPath = (secret: string, deliveryId: string, expiresAtMs: number) =>
  `/track/${encodeURIComponent(deliveryId)}?t=${signTrackingToken(secret, deliveryId, expiresAtMs)}`;

/** 401 for missing, forged or expired tokens; 403 for a valid token of another delivery. */
export function verifyTrackingToken(
  secret: string,
  token: string | null | undefined,
  deliveryId: string,
  nowMs: number,
): TokenCheck {
  if (!token) return { ok: false, status: 401, reason: 'missing' };
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2048)
    return { ok: false, status: 401, reason: 'malformed' };
  const expected = sign(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, status: 401, reason: 'bad-signature' };
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return { ok: false, status: 401, reason: 'malformed' };
  }
  if (typeof claims.d !== 'string' || typeof claims.e !== 'number')
    return { ok: false, status: 401, reason: 'malformed' };
  if (claims.e * 1000 <= nowMs) return { ok: false, status: 401, reason: 'expired' };
  if (claims.d !== deliveryId) return { ok: false, status: 403, reason: 'wrong-delivery' };
  return { ok: true, claims };
}
