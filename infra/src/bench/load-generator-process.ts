// Child process of the benchmark: runs one open-loop fleet, so that its CPU and event loop are
// measured apart from the WebSocket clients. Driven over IPC by load-generator.ts.
import { OpenLoopFleet } from './open-loop-fleet.js';
import type { GeneratorCommand, GeneratorReply } from './load-generator.js';

const [brokers = '', topic = '', tag = ''] = process.argv.slice(2);
let lastError = '';
const fleet = new OpenLoopFleet({ brokers: brokers.split(','), topic, tag }, (err) => {
  if (err.message !== lastError) console.error(`load generator: produce failed: ${err.message}`);
  lastError = err.message;
});
const reply = (m: GeneratorReply) => process.send?.(m);

process.on('message', (raw) => {
  const m = raw as GeneratorCommand;
  if (m.type === 'fleet') {
    fleet.setFleet(m.drivers, m.hz);
    reply({ id: m.id, type: 'ok' });
  } else if (m.type === 'stats') {
    reply({ id: m.id, type: 'stats', stats: fleet.takeStats() });
  } else if (m.type === 'stop') {
    void fleet.stop().finally(() => {
      reply({ id: m.id, type: 'ok' });
      process.disconnect();
    });
  }
});
// The benchmark gone means we are done, whatever state it left us in.
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());

await fleet.start();
reply({ id: 0, type: 'ok' });
