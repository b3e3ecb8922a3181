import path from 'node:path';
import { startManagedProcess, tailFile, type ManagedProcess } from './managed-process.js';

export interface SupervisedSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
}

export interface Supervised {
  readonly name: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Keeps a role running: when it exits on its own (a crash, or a fatal Kafka error after which
 * the role exits on purpose) it is restarted with exponential backoff, reset after a minute up.
 */
export function supervise(spec: SupervisedSpec, report: (line: string) => void): Supervised {
  const logFile = path.join(spec.logDir, `${spec.name}.log`);
  let current: ManagedProcess | undefined;
  let stopping = false;
  let backoffMs = 1000;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    const startedAt = Date.now();
    const proc = startManagedProcess({
      name: spec.name,
      command: spec.command,
      args: spec.args,
      env: spec.env,
      logFile,
    });
    current = proc;
    void proc.exited.then((code) => {
      if (stopping) return;
      if (Date.now() - startedAt > 60_000) backoffMs = 1000;
      const last = tailFile(logFile, 1);
      report(
        `${spec.name} exited (${code}); restarting in ${backoffMs / 1000} s. Last log line: ${last.slice(0, 300)}`,
      );
      restartTimer = setTimeout(launch, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
  };
  launch();
  return {
    name: spec.name,
    logFile,
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      await current?.stop(20_000);
    },
  };
}
