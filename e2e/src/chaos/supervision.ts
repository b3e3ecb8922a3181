import type { ManagedProcess } from '@fleetstream/infra/managed-process';
import type { TestStack } from '@fleetstream/testkit/stack';

export interface Restart {
  role: string;
  exit: number | string;
  at: number;
}

export interface RoleSupervisor {
  /** Running instances per role, oldest first. */
  alive(role: string): ManagedProcess[];
  /** Every restart so far: which role, how it had exited, when. */
  readonly restarts: readonly Restart[];
  /** Puts a process under supervision as an instance of `role`. */
  supervise(p: ManagedProcess, role: string): void;
  /** kill -9 of the oldest instance of `role`; not restarted (the test starts what it wants). */
  kill(role: string): Promise<ManagedProcess>;
  /** From now on nothing is restarted (before the stack stops). */
  tearDown(): void;
}

/**
 * What `npm start`'s supervisor (and compose's restart policy) does: a role that exits on its
 * own is started again after a second. Roles exit on purpose after a fatal Kafka or Redis
 * error; each such restart is counted, so a test can report it. Processes the test kills
 * itself are not restarted.
 */
export function superviseRoles(stack: TestStack): RoleSupervisor {
  const alive = new Map<string, ManagedProcess[]>();
  const killedByUs = new Set<ManagedProcess>();
  const restarts: Restart[] = [];
  let tearingDown = false;

  const supervise = (p: ManagedProcess, role: string) => {
    alive.set(role, [...(alive.get(role) ?? []), p]);
    void p.exited.then(async (exit) => {
      alive.set(
        role,
        (alive.get(role) ?? []).filter((x) => x !== p),
      );
      if (tearingDown || killedByUs.has(p)) return;
      restarts.push({ role, exit, at: Date.now() });
      await new Promise((r) => setTimeout(r, 1000));
      if (!tearingDown)
        supervise(stack.spawn(`${role}-r${restarts.length}`, 'backend/src/main.ts', [role]), role);
    });
  };

  return {
    alive: (role) => alive.get(role) ?? [],
    restarts,
    supervise,
    async kill(role) {
      const p = alive.get(role)?.[0];
      if (!p) throw new Error(`no running instance of ${role} to kill`);
      killedByUs.add(p);
      p.child.kill('SIGKILL');
      await p.exited;
      return p;
    },
    tearDown() {
      tearingDown = true;
    },
  };
}
