import { WebSocket } from 'ws';
import {
  isPositionFrame,
  openTrackSocket,
  type TrackTarget,
} from '@fleetstream/testkit/track-socket';
import { sleep } from './chaos-stack.js';

/**
 * Customers and dashboards that connect in a loop: each holds a socket 0.5–2 s (spread by its
 * index, so the run replays the same), closes it, and connects again. Customer `i` follows
 * delivery `i` (modulo the list); they count the positions they receive.
 */
export class Churners {
  /** Positions received by all customers. */
  received = 0;
  /** When each customer last received a position. */
  readonly receivedAt = new Map<number, number>();
  private stopped = false;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly baseUrl: string,
    private readonly opsToken: string,
    private readonly deliveries: readonly TrackTarget[],
    o: { customers: number; dashboards: number },
  ) {
    this.loops = [
      ...Array.from({ length: o.customers }, (_, i) => this.churn(i, 'track')),
      ...Array.from({ length: o.dashboards }, (_, i) => this.churn(i, 'ops')),
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async churn(i: number, kind: 'track' | 'ops') {
    while (!this.stopped) {
      const socket =
        kind === 'track'
          ? openTrackSocket(this.baseUrl, this.deliveries[i % this.deliveries.length]!)
          : new WebSocket(`${this.baseUrl.replace('http', 'ws')}/ws/ops`, {
              headers: { Authorization: `Bearer ${this.opsToken}` },
            }).on('error', () => undefined);
      if (kind === 'track')
        socket.on('message', (data: Buffer) => {
          if (!isPositionFrame(data)) return;
          this.received++;
          this.receivedAt.set(i, Date.now());
        });
      // How long a customer stays, then a pause before it comes back: the churn itself.
      await sleep(500 + ((i * 97) % 1500));
      socket.terminate();
      await sleep(100);
    }
  }
}
