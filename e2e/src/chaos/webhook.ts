import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the webhook answers: 'up' 200, 'refuse' 503, 'hang' never (the sink's timeout ends it). */
export type WebhookMode = 'up' | 'refuse' | 'hang';

/** The customers' webhook, as the notifications sink (NOTIFY_SINK=webhook) calls it. */
export class CustomerWebhook {
  mode: WebhookMode = 'up';
  /** Calls answered 200, by idempotency key (the notification id). */
  readonly calls = new Map<string, number>();
  /** Calls made while it was down. */
  callsWhileDown = 0;
  private readonly server = http.createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    req.resume();
    req.on('end', () => {
      if (this.mode === 'hang') return void this.callsWhileDown++;
      if (this.mode === 'refuse') {
        this.callsWhileDown++;
        return res.writeHead(503).end();
      }
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });

  /** Listens on a free port; resolves with the URL to configure. */
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
