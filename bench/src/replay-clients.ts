import WebSocket from 'ws';

/**
 * Fleet replays for the benchmark: each plays [from, to] of the log at `speed` and starts over
 * when it ends, so they load the gateway for as long as they are open. They count what they get.
 */
export class ReplayClients {
  readonly counts = { frames: 0, couriers: 0, bytes: 0, loops: 0, errors: 0 };
  private readonly sockets: WebSocket[] = [];

  private constructor() {}

  static async start(o: {
    baseUrl: string;
    opsToken: string;
    replays: number;
    from: number;
    to: number;
    speed: number;
  }): Promise<ReplayClients> {
    const self = new ReplayClients();
    const url = `${o.baseUrl.replace(/^http/, 'ws')}/ws/replay?from=${o.from}&to=${o.to}&speed=${o.speed}`;
    await Promise.all(
      Array.from({ length: o.replays }, async () => {
        const ws = new WebSocket(url, ['fleetstream-ops', `bearer.${o.opsToken}`]);
        self.sockets.push(ws);
        ws.on('message', (data: Buffer) => {
          self.counts.bytes += data.length;
          const m = JSON.parse(data.toString()) as { type: string; couriers?: unknown[] };
          if (m.type === 'frame') {
            self.counts.frames++;
            self.counts.couriers += m.couriers?.length ?? 0;
          } else if (m.type === 'replay-end') {
            self.counts.loops++;
            ws.send(JSON.stringify({ type: 'seek', at: o.from }));
          } else if (m.type === 'replay-error') self.counts.errors++;
        });
        await new Promise<void>((resolve, reject) => {
          ws.once('message', () => resolve());
          ws.once('unexpected-response', (_req, res) =>
            reject(new Error(`replay refused: HTTP ${res.statusCode}`)),
          );
          ws.once('error', reject);
        });
      }),
    );
    return self;
  }

  resetWindow(): void {
    for (const k of Object.keys(this.counts) as (keyof ReplayClients['counts'])[])
      this.counts[k] = 0;
  }

  close(): void {
    for (const ws of this.sockets) ws.close();
  }
}
