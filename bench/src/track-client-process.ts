// Child process of the benchmark: a share of the S3 customers, so that thousands of sockets
// neither stall the benchmark's own event loop nor hide their CPU in it. Driven over IPC by
// track-client-pool.ts.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serveParent } from './child-rpc.js';
import type { ClientCommand, ClientReply } from './track-client-pool.js';
import { TrackClients } from './track-clients.js';

const [baseUrl = ''] = process.argv.slice(2);
const clients = new TrackClients(baseUrl);
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();

serveParent<ClientCommand, ClientReply>(
  async (c) => {
    switch (c.type) {
      case 'connect': {
        const untried = await clients.connect(c.urls, c.concurrency, c.withinMs);
        return { type: 'connected', counts: { ...clients.counts }, untried };
      }
      case 'probe':
        return { type: 'probe', ...(await clients.probe(c.urls, c.timeoutMs)) };
      case 'counts':
        return { type: 'counts', counts: { ...clients.counts } };
      case 'window':
        clients.resetWindow();
        eld.reset();
        return { type: 'counts', counts: { ...clients.counts } };
      case 'stats':
        return {
          type: 'stats',
          counts: { ...clients.counts },
          failures: clients.failureCounts,
          fixToClient: clients.fixToClient.encode(),
          fixToApplied: clients.fixToApplied.encode(),
          appliedToClient: clients.appliedToClient.encode(),
          eventLoopP99Ms: eld.percentile(99) / 1e6,
        };
      case 'stop':
        // Ending the process closes every socket at once: no need to wait for each.
        eld.disable();
        return { type: 'counts', counts: { ...clients.counts } };
    }
  },
  (c) => c.type === 'stop',
);
