import { WebSocket } from 'ws';
import {
  followDelivery,
  ShownOrder,
  trackTarget,
  type TrackTarget,
} from '@fleetstream/testkit/track-socket';

interface Follower {
  socket: WebSocket;
  openedAt: number;
  lastPositionAt: number;
}

/**
 * Customers following live deliveries through the gateway, as browsers do: each holds a
 * WebSocket on /ws/track for one active delivery (picked from GET /api/deliveries), reopens
 * it when it closes while the delivery is still active, and follows a new delivery when one
 * ends. They check what a customer would notice: a position older than one already shown
 * (snapshots included) and a position message received twice.
 */
export class Customers {
  /** Sockets opened, including reopenings after the gateway closed one. */
  opened = 0;
  private readonly followers = new Map<string, Follower>();
  /** What each delivery's customer was shown, kept so a reopened socket is checked against it. */
  private readonly shown = new Map<string, ShownOrder>();
  private readonly receivedAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(
    private readonly baseUrl: string,
    private readonly opsToken: string,
    private readonly size: number,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.refresh(), 1000);
    void this.refresh();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const f of this.followers.values()) f.socket.terminate();
    this.followers.clear();
  }

  /** Positions received. */
  get positions(): number {
    return this.total((o) => o.positions);
  }

  /** Positions (or snapshots) older than one the customer already saw: time went backwards. */
  get regressions(): number {
    return this.total((o) => o.regressions);
  }

  /** The same position message received twice on a delivery. */
  get repeats(): number {
    return this.total((o) => o.repeats);
  }

  /** Messages that are not of the contract's union. */
  get malformed(): number {
    return this.total((o) => o.malformed);
  }

  private total(count: (o: ShownOrder) => number): number {
    let n = 0;
    for (const o of this.shown.values()) n += count(o);
    return n;
  }

  /** Positions received at or after `t`. */
  positionsSince(t: number): number {
    return this.receivedAt.filter((x) => x >= t).length;
  }

  /**
   * Of the sockets that were open before `t` and are still open, how many received a position
   * after `t`, out of how many: the same connection kept receiving across a fault.
   */
  keptReceiving(t: number): { receiving: number; of: number } {
    const open = [...this.followers.values()].filter(
      (f) => f.openedAt < t && f.socket.readyState === WebSocket.OPEN,
    );
    return { receiving: open.filter((f) => f.lastPositionAt > t).length, of: open.length };
  }

  private async refresh() {
    if (this.refreshing || this.followers.size >= this.size) return;
    this.refreshing = true;
    try {
      const res = await fetch(`${this.baseUrl}/api/deliveries?limit=1000`, {
        headers: { Authorization: `Bearer ${this.opsToken}` },
      });
      if (res.status !== 200) return;
      const { deliveries } = (await res.json()) as {
        deliveries: { deliveryId: string; status: string; trackingUrl: string }[];
      };
      for (const d of deliveries) {
        if (this.followers.size >= this.size) break;
        if (this.followers.has(d.deliveryId) || d.status === 'delivered') continue;
        this.follow(trackTarget(d.trackingUrl, this.baseUrl));
      }
    } catch {
      // the gateway is restarting or Redis is away: the next refresh tries again
    } finally {
      this.refreshing = false;
    }
  }

  private follow(target: TrackTarget) {
    const { deliveryId } = target;
    const order = this.shown.get(deliveryId) ?? new ShownOrder();
    this.shown.set(deliveryId, order);
    const { socket } = followDelivery(this.baseUrl, target, {
      order,
      onMessage: (m) => {
        if (m.type === 'status' && (m.status === 'delivered' || m.status === 'cancelled')) {
          // Over for this customer: make room for a delivery still under way.
          socket.close();
        } else if (m.type === 'position') {
          f.lastPositionAt = Date.now();
          this.receivedAt.push(f.lastPositionAt);
        }
      },
    });
    const f: Follower = { socket, openedAt: Date.now(), lastPositionAt: 0 };
    this.followers.set(deliveryId, f);
    this.opened++;
    socket.on('close', () => {
      if (this.followers.get(deliveryId) === f) this.followers.delete(deliveryId);
    });
  }
}
