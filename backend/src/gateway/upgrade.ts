import type { Duplex } from 'node:stream';

// What every WebSocket endpoint of the gateway does at the upgrade, before a socket exists:
// check the page's Origin, and refuse with a plain HTTP answer.

/** Writes an HTTP error on a socket that asked to upgrade, before any WebSocket exists. */
export function refuse(
  socket: Duplex,
  status: 400 | 401 | 403 | 404 | 429,
  reason: string,
  retryAfterS?: number,
) {
  const [text, code] = {
    400: ['Bad Request', 'BAD_REQUEST'],
    401: ['Unauthorized', 'UNAUTHORIZED'],
    403: ['Forbidden', 'FORBIDDEN'],
    404: ['Not Found', 'BAD_REQUEST'],
    429: ['Too Many Requests', 'RATE_LIMITED'],
  }[status];
  const body = JSON.stringify({ error: { code, message: reason } });
  const retry = retryAfterS === undefined ? '' : `Retry-After: ${retryAfterS}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${retry}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Browser origins we accept: the gateway's own host, plus ALLOWED_ORIGINS. Non-browser clients send none. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin) || allowed.includes('*')) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
