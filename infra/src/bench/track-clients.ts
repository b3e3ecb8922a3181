import { WebSocket } from 'ws';
import { LatencyRecorder, preciseWallClock } from './histogram.js';

const TS = /"ts":(\d+)/;
const APPLIED_AT = /"appliedAt":(\d+)/;

export interface TrackClientCounts {
  open: number;
  failed: number;
  closed: number;
  /** Position messages received by all clients. */
  positions: number;
  /**
   * Of those, positions whose fix was taken since the window began: a rate that a backlog
   * drained from socket buffers cannot inflate.
   */
  freshPositions: number;
  /** Every message, snapshots and status included. */
  messages: number;
}

/**
 * Customers: real `ws` clients on /ws/track with their delivery's tracking token, each
 * position timed as receive time − the fix's `ts` (the load generator's intended send time).
 * The `appliedAt` stamp of live-push splits that into the Kafka leg (fix → applied) and the
 * push leg (applied → Redis pub/sub → gateway → socket). Messages are not parsed as a whole,
 * so the clients cost as little as possible beside the system under test.
 */
export class TrackClients {
  readonly fixToClient = new LatencyRecorder();
  readonly fixToApplied = new LatencyRecorder();
  readonly appliedToClient = new LatencyRecorder();
  readonly counts: TrackClientCounts = {
    open: 0,
    failed: 0,
    closed: 0,
    positions: 0,
    freshPositions: 0,
    messages: 0,
  };
  private windowStart = 0;
  private sockets: WebSocket[] = [];
  private now = preciseWallClock();
  private failures = new Map<string, number>();

  constructor(private readonly baseUrl: string) {}

  get size(): number {
    return this.sockets.length;
  }

  /** Why connections failed, most common first. */
  get failureReasons(): string[] {
    return [...this.failures].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} (${n}×)`);
  }

  /**
   * Opens one client per tracking URL (`/track/<id>?t=…`), `concurrency` handshakes at a time;
   * starts no new handshake after `withinMs`, so a gateway that stops accepting cannot stall
   * the run (the step then has fewer clients, as reported).
   */
  async connect(
    trackingUrls: readonly string[],
    concurrency = 100,
    withinMs = 120_000,
  ): Promise<void> {
    let next = 0;
    const deadline = performance.now() + withinMs;
    const worker = async () => {
      while (next < trackingUrls.length && performance.now() < deadline) {
        const url = trackingUrls[next++]!;
        await this.open(url);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, trackingUrls.length) }, worker));
  }

  private open(trackingUrl: string): Promise<void> {
    const u = new URL(trackingUrl, this.baseUrl);
    const deliveryId = decodeURIComponent(u.pathname.split('/').pop() ?? '');
    const wsUrl = new URL('/ws/track', this.baseUrl.replace(/^http/, 'ws'));
    wsUrl.searchParams.set('deliveryId', deliveryId);
    wsUrl.searchParams.set('t', u.searchParams.get('t') ?? '');
    return new Promise((resolve) => {
      // A handshake the gateway never answers fails instead of holding a connect slot forever.
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false, handshakeTimeout: 10_000 });
      let settled = false;
      const settle = (reason?: string) => {
        if (settled) return;
        settled = true;
        if (reason === undefined) {
          this.counts.open++;
          this.sockets.push(ws);
        } else {
          this.counts.failed++;
          this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
        }
        resolve();
      };
      ws.on('open', () => settle());
      ws.on('unexpected-response', (_req, res) => {
        settle(`HTTP ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (err) => settle(err.message));
      ws.on('close', () => {
        if (settled) this.counts.closed++;
        settle('closed');
      });
      ws.on('message', (data) => this.onMessage(data as Buffer));
    });
  }

  private onMessage(data: Buffer): void {
    const received = this.now();
    this.counts.messages++;
    // Positions start {"type":"position": a byte compare, not a parse.
    if (data[9] !== 0x70 || data[10] !== 0x6f || data[11] !== 0x73) return;
    const text = data.toString('latin1');
    const ts = Number(TS.exec(text)?.[1]);
    if (!Number.isFinite(ts)) return;
    this.counts.positions++;
    if (ts >= this.windowStart) this.counts.freshPositions++;
    this.fixToClient.record(received - ts);
    const appliedAt = Number(APPLIED_AT.exec(text)?.[1]);
    if (Number.isFinite(appliedAt)) {
      this.fixToApplied.record(appliedAt - ts);
      this.appliedToClient.record(received - appliedAt);
    }
  }

  resetWindow(): void {
    this.fixToClient.reset();
    this.fixToApplied.reset();
    this.appliedToClient.reset();
    this.counts.positions = 0;
    this.counts.freshPositions = 0;
    this.counts.messages = 0;
    this.now = preciseWallClock();
    this.windowStart = Date.now();
  }

  async close(): Promise<void> {
    const all = this.sockets.splice(0);
    await Promise.all(
      all.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
    this.counts.open = 0;
  }
}
