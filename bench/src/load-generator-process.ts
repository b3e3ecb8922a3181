// Child process of the benchmark: runs one open-loop fleet, so that its CPU and event loop are
// measured apart from the WebSocket clients. Driven over IPC by load-generator.ts.
import { serveParent } from './child-rpc.js';
import type { GeneratorCommand, GeneratorReply } from './load-generator.js';
import { OpenLoopFleet } from './open-loop-fleet.js';

const [brokers = '', topic = '', tag = ''] = process.argv.slice(2);
let lastError = '';
const fleet = new OpenLoopFleet({ brokers: brokers.split(','), topic, tag }, (err) => {
  if (err.message !== lastError) console.error(`load generator: produce failed: ${err.message}`);
  lastError = err.message;
});

await fleet.start();
serveParent<GeneratorCommand, GeneratorReply>(
  async (c) => {
    if (c.type === 'fleet') fleet.setFleet(c.drivers, c.hz);
    else if (c.type === 'stats') return fleet.takeStats();
    else await fleet.stop();
    return null;
  },
  (c) => c.type === 'stop',
);
