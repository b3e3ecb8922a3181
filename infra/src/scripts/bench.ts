import { run } from '../node-tasks.js';

/**
 * `npm run bench`: the benchmarks that exist so far, each printing its own figures. They start
 * their own Kafka and Redis; nothing here is part of `npm test`.
 */
const benches = [{ name: 'driver simulator throughput', workspace: 'driver-simulator' }];

let failed = 0;
for (const b of benches) {
  console.log(`\n== ${b.name} ==`);
  if ((await run('npm', ['run', 'bench', '--silent', '-w', b.workspace])) !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
