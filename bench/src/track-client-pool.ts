import { startChild, type ChildRpc } from './child-rpc.js';
import { LatencyRecorder } from './histogram.js';
import type { TrackClientCounts } from './track-clients.js';

export type ClientCommand =
  | { type: 'connect'; urls: string[]; concurrency: number; withinMs: number }
  | { type: 'probe'; urls: string[]; timeoutMs: number }
  | { type: 'counts' }
  | { type: 'window' }
  | { type: 'stats' }
  | { type: 'stop' };

export type ClientReply =
  | { type: 'connected'; counts: TrackClientCounts; untried: number }
  | { type: 'counts'; counts: TrackClientCounts }
  | { type: 'probe'; ms: number[]; failed: number }
  | {
      type: 'stats';
      counts: TrackClientCounts;
      failures: Record<string, number>;
      /** Histograms in HdrHistogram's compressed base64 form. */
      fixToClient: string;
      fixToApplied: string;
      appliedToClient: string;
      eventLoopP99Ms: number;
    };

/** What all the processes' customers got since `resetWindow`. */
export interface PoolWindow {
  counts: TrackClientCounts;
  fixToClient: LatencyRecorder;
  fixToApplied: LatencyRecorder;
  appliedToClient: LatencyRecorder;
  /** Event-loop delay p99 of each client process, ms. */
  eventLoopP99Ms: number[];
  /** Failed handshakes since the start, by reason. */
  failures: Record<string, number>;
}

export interface RampOptions {
  /** Handshakes in flight at once, over all processes. */
  concurrency: number;
  /** No new handshake starts after this; those in flight give up 10 s later at most. */
  withinMs: number;
  /** Called every `progressEveryMs` while the ramp runs. */
  onProgress?: (counts: TrackClientCounts, elapsedS: number) => void;
  progressEveryMs?: number;
}

/** The counts of all processes together (replies without counts count as none). */
const sumCounts = (replies: ClientReply[]): TrackClientCounts => {
  const s = { open: 0, failed: 0, closed: 0, positions: 0, freshPositions: 0, messages: 0 };
  for (const r of replies)
    if ('counts' in r) for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += r.counts[k];
  return s;
};

/**
 * S3's customers, spread over client processes of their own: each is one `TrackClients`, so
 * the sockets' CPU is measured apart from the gateway's and this process only steers.
 */
export class TrackClientPool {
  private constructor(private readonly children: ChildRpc<ClientCommand, ClientReply>[]) {}

  static async start(baseUrl: string, processes: number): Promise<TrackClientPool> {
    const started = await Promise.allSettled(
      Array.from({ length: Math.max(1, processes) }, (_, i) =>
        startChild<ClientCommand, ClientReply>(
          `ws clients ${i + 1}`,
          'bench/src/track-client-process.ts',
          [baseUrl],
        ),
      ),
    );
    const children = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(children.map((c) => c.stop({ type: 'stop' })));
      throw failed.reason;
    }
    return new TrackClientPool(children);
  }

  /** Process ids by name (ws clients 1, 2, …), for CPU and memory figures. */
  get pids(): Record<string, number> {
    return Object.fromEntries(this.children.map((c, i) => [`ws clients ${i + 1}`, c.pid]));
  }

  async counts(timeoutMs = 10_000): Promise<TrackClientCounts> {
    const replies = await Promise.all(
      this.children.map((c) => c.ask({ type: 'counts' }, timeoutMs)),
    );
    return sumCounts(replies);
  }

  /**
   * Opens one customer per URL, spread evenly over the processes, with at most
   * `concurrency` handshakes in flight in all; resolves with the counts and how many URLs were
   * not tried before the deadline.
   */
  async connect(
    urls: readonly string[],
    o: RampOptions,
  ): Promise<{ counts: TrackClientCounts; untried: number }> {
    const k = this.children.length;
    const shares = this.children.map((_, i) => urls.filter((_u, j) => j % k === i));
    const started = performance.now();
    const ramp = Promise.all(
      this.children.map((c, i) =>
        c.ask(
          {
            type: 'connect',
            urls: shares[i]!,
            concurrency: Math.max(1, Math.ceil(o.concurrency / k)),
            withinMs: o.withinMs,
          },
          // The deadline, the last handshakes' own timeout, and a margin for a busy machine.
          o.withinMs + 30_000,
        ),
      ),
    );
    let done = false;
    const reporter = (async () => {
      const every = o.progressEveryMs ?? 5000;
      while (!done && o.onProgress) {
        await Promise.race([ramp, new Promise((r) => setTimeout(r, every))]).catch(() => undefined);
        if (done) break;
        const counts = await this.counts(5000).catch(() => null);
        if (counts && !done) o.onProgress(counts, (performance.now() - started) / 1000);
      }
    })();
    try {
      const replies = await ramp;
      let untried = 0;
      for (const r of replies) if (r.type === 'connected') untried += r.untried;
      return { counts: await this.counts(), untried };
    } finally {
      done = true;
      await reporter;
    }
  }

  /**
   * Times `urls.length` handshakes started at once (spread over the processes), each closed
   * once open; resolves with the durations of those that opened, and how many failed.
   */
  async probe(
    urls: readonly string[],
    timeoutMs = 10_000,
  ): Promise<{ ms: number[]; failed: number }> {
    const k = this.children.length;
    const replies = await Promise.all(
      this.children.map((c, i) =>
        c.ask(
          { type: 'probe', urls: urls.filter((_u, j) => j % k === i), timeoutMs },
          timeoutMs + 15_000,
        ),
      ),
    );
    const out = { ms: [] as number[], failed: 0 };
    for (const r of replies)
      if (r.type === 'probe') {
        out.ms.push(...r.ms);
        out.failed += r.failed;
      }
    return out;
  }

  /** Starts a measurement window in every process: rates and histograms from now on. */
  async resetWindow(): Promise<TrackClientCounts> {
    const replies = await Promise.all(this.children.map((c) => c.ask({ type: 'window' })));
    return sumCounts(replies);
  }

  /** The window so far, all processes merged. */
  async window(): Promise<PoolWindow> {
    const replies = await Promise.all(this.children.map((c) => c.ask({ type: 'stats' })));
    const w: PoolWindow = {
      counts: sumCounts(replies),
      fixToClient: new LatencyRecorder(),
      fixToApplied: new LatencyRecorder(),
      appliedToClient: new LatencyRecorder(),
      eventLoopP99Ms: [],
      failures: {},
    };
    for (const r of replies) {
      if (r.type !== 'stats') continue;
      w.fixToClient.addEncoded(r.fixToClient);
      w.fixToApplied.addEncoded(r.fixToApplied);
      w.appliedToClient.addEncoded(r.appliedToClient);
      w.eventLoopP99Ms.push(r.eventLoopP99Ms);
      for (const [reason, n] of Object.entries(r.failures))
        w.failures[reason] = (w.failures[reason] ?? 0) + n;
    }
    return w;
  }

  /** Ends the processes, which closes their sockets. */
  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop({ type: 'stop' }, 10_000)));
  }
}
