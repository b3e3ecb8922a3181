import { run, tsNodeArgs } from '../node-tasks.js';

// `npm run simulate -- --drivers 1000`: the simulator CLI with its own flags and --help.
process.on('SIGINT', () => undefined);
process.exit(
  await run(process.execPath, tsNodeArgs('driver-simulator/src/cli.ts', process.argv.slice(2))),
);
