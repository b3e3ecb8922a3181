import { WebSocket } from 'ws';

interface Follower {
  socket: WebSocket;
  openedAt: number;
  /** Seq of the last position message, and of the newest position seen at all (snapshots too). */
  lastMessageSeq: number;
  newestSeq: number;
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
  /** Positions received. */
  positions = 0;
  /** A position (or snapshot) older than one the customer already saw: time went backwards. */
  regressions = 0;
  /** The same position message received twice on a delivery. */
  repeats = 0;
  /** Sockets opened, including reopenings after the gateway closed one. */
  opened = 0;
  private readonly followers = new Map<string, Follower>();
  /** Deliveries followed before, so a reopened socket is checked against what was shown. */
  private readonly history = new Map<string, Follower>();
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
        this.follow(d.deliveryId, new URL(d.trackingUrl, this.baseUrl).searchParams.get('t') ?? '');
      }
    } catch {
      // the gateway is restarting or Redis is away: the next refresh tries again
    } finally {
      this.refreshing = false;
    }
  }

  private follow(deliveryId: string, token: string) {
    const url = new URL('/ws/track', this.baseUrl.replace(/^http/, 'ws'));
    url.searchParams.set('deliveryId', deliveryId);
    url.searchParams.set('t', token);
    const socket = new WebSocket(url);
    const previous = this.history.get(deliveryId);
    const f: Follower = {
      socket,
      openedAt: Date.now(),
      lastMessageSeq: previous?.lastMessageSeq ?? -1,
      newestSeq: previous?.newestSeq ?? -1,
      lastPositionAt: 0,
    };
    this.followers.set(deliveryId, f);
    this.opened++;
    socket.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as {
        type: string;
        seq?: number;
        position?: { seq: number } | null;
        status?: string;
      };
      if (m.type === 'status' && (m.status === 'delivered' || m.status === 'cancelled')) {
        // Over for this customer: make room for a delivery still under way.
        socket.close();
        return;
      }
      const seq = m.type === 'position' ? m.seq : m.type === 'snapshot' ? m.position?.seq : null;
      if (seq === undefined || seq === null) return;
      if (seq < f.newestSeq) this.regressions++;
      f.newestSeq = Math.max(f.newestSeq, seq);
      if (m.type !== 'position') return;
      if (seq === f.lastMessageSeq) this.repeats++;
      f.lastMessageSeq = seq;
      f.lastPositionAt = Date.now();
      this.positions++;
      this.receivedAt.push(f.lastPositionAt);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.followers.get(deliveryId) === f) this.followers.delete(deliveryId);
      this.history.set(deliveryId, f);
    });
  }
}
