import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const clockTicks = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** A process's or thread's `stat` file: its name, and the fields after it (from `state` on). */
function readStat(file: string): { name: string; fields: string[] } {
  const stat = fs.readFileSync(file, 'utf8');
  // The name may hold spaces and parentheses: fields are counted after the last ')'.
  const end = stat.lastIndexOf(')');
  return { name: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
}

/**
 * CPU seconds (user + system, all threads) a process has used, or null once it is gone, with
 * that of the children it has reaped: Redis's append-only-file rewrites run in a child of
 * redis-server, which until 2026-12-07 counted as work outside the benchmark.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const { fields } = readStat(`/proc/${pid}/stat`);
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return (utime! + stime! + cutime! + cstime!) / clockTicks;
  } catch {
    return null;
  }
}

/**
 * CPU seconds a JVM's JIT compiler threads (`C1 CompilerThread…`, `C2 CompilerThread…`) have
 * used: a fresh broker's start-up work, which falls off once its hot code is compiled. 0 for a
 * process without such threads (Node's compiler shares its helper threads with the GC).
 */
export function jitCpuSeconds(pid: number): number {
  let ticks = 0;
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const { name, fields } = readStat(`/proc/${pid}/task/${task}/stat`);
        if (!/^C[12] CompilerThre/.test(name)) continue;
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    return 0;
  }
  return ticks / clockTicks;
}

/** Resident set size in bytes (VmRSS), or null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Busy CPU seconds of the whole machine, all cores (from /proc/stat), and the part of it that
 * was steal: time a virtual machine's cores spent running other guests on the same host.
 */
export function machineCpuSeconds(): { busy: number; steal: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / clockTicks, steal: (v[7] ?? 0) / clockTicks };
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a ?? 0, b ?? 0, c ?? 0];
}

/** Open-file limits of a process, this one by default (each WebSocket is one descriptor). */
export function openFileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').trim().split(/\s+/).slice(3, 5);
    const n = (s: string | undefined) => (s === 'unlimited' ? Infinity : Number(s));
    return { soft: n(soft), hard: n(hard) };
  } catch {
    return { soft: NaN, hard: NaN };
  }
}

/**
 * Raises this process's soft open-file limit to its hard limit (what `ulimit -n` may do without
 * privileges), so the roles and client processes started after it inherit room for thousands
 * of sockets. Node has no setrlimit: util-linux's `prlimit` does it on our pid. Returns the
 * limits before and after; unchanged when prlimit is missing or refused.
 */
export function raiseOpenFileLimit(): {
  before: { soft: number; hard: number };
  after: { soft: number; hard: number };
} {
  const before = openFileLimit();
  if (!(before.soft < before.hard)) return { before, after: before };
  // An unlimited hard limit still cannot pass the kernel's nr_open.
  const nrOpen = Number(readFirstLine('/proc/sys/fs/nr_open') ?? 1_048_576);
  const target = Math.min(before.hard, nrOpen);
  spawnSync(
    'prlimit',
    [
      '--pid',
      String(process.pid),
      `--nofile=${target}:${before.hard === Infinity ? 'unlimited' : target}`,
    ],
    {
      stdio: 'ignore',
    },
  );
  return { before, after: openFileLimit() };
}

/** The local port range outgoing connections get their port from (one per client socket). */
export function ephemeralPortRange(): { low: number; high: number } | null {
  const [low, high] = (readFirstLine('/proc/sys/net/ipv4/ip_local_port_range') ?? '')
    .trim()
    .split(/\s+/)
    .map(Number);
  return low && high ? { low, high } : null;
}

function readFirstLine(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0] ?? null;
  } catch {
    return null;
  }
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memTotalGiB: number;
  kernel: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memTotalGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: os.release(),
    node: process.version,
  };
}

export interface ProcessUsage {
  /** Percent of one core over the window (200 % = both cores of a 2-core machine). */
  cpuPct: number;
  /** Of it, the JIT compiler threads' (a JVM's only; absent when it has none). */
  jitPct?: number;
  rssMiB: number;
}

/**
 * CPU and memory of named processes over a window: CPU from the difference of their
 * accumulated CPU time, RSS at the end. `other` is the rest of the machine's busy time,
 * i.e. whatever else ran beside the benchmark, steal included.
 */
export class ProcessSampler {
  private start = new Map<string, number>();
  private startJit = new Map<string, number>();
  private startMachine = machineCpuSeconds();
  private startAt = performance.now();

  constructor(private readonly pids: () => Record<string, number>) {
    this.begin();
  }

  begin(): void {
    this.start.clear();
    this.startJit.clear();
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = cpuSeconds(pid);
      if (s !== null) this.start.set(name, s);
      this.startJit.set(name, jitCpuSeconds(pid));
    }
    this.startMachine = machineCpuSeconds();
    this.startAt = performance.now();
  }

  end(): {
    processes: Record<string, ProcessUsage>;
    machineBusyPct: number;
    otherPct: number;
    stealPct: number;
  } {
    const secs = (performance.now() - this.startAt) / 1000;
    const processes: Record<string, ProcessUsage> = {};
    let ours = 0;
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = cpuSeconds(pid);
      const s0 = this.start.get(name);
      if (s === null || s0 === undefined) continue;
      const used = s - s0;
      ours += used;
      const jit = jitCpuSeconds(pid) - (this.startJit.get(name) ?? 0);
      processes[name] = {
        cpuPct: (used / secs) * 100,
        ...(jit > 0 ? { jitPct: (jit / secs) * 100 } : {}),
        rssMiB: (rssBytes(pid) ?? 0) / 1024 / 1024,
      };
    }
    // The nodes of a Redis Cluster (`redis 2`, … beside `redis`) count as one Redis.
    for (const name of Object.keys(processes)) {
      const node = processes[name]!;
      if (!/^redis \d+$/.test(name) || !processes.redis) continue;
      processes.redis = {
        cpuPct: processes.redis.cpuPct + node.cpuPct,
        rssMiB: processes.redis.rssMiB + node.rssMiB,
      };
      delete processes[name];
    }
    const m = machineCpuSeconds();
    const busy = m.busy - this.startMachine.busy;
    return {
      processes,
      machineBusyPct: (busy / secs) * 100,
      otherPct: Math.max(0, ((busy - ours) / secs) * 100),
      stealPct: ((m.steal - this.startMachine.steal) / secs) * 100,
    };
  }
}
