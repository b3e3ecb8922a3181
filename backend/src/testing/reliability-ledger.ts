import fs from 'node:fs';
import path from 'node:path';

/**
 * The reliability suite's ledger: each fault test appends what it injected and what its checker
 * found, and `npm test` / `npm run test:chaos` print the table at the end (and write it to
 * artifacts/reliability.md). A row is written before the test's own assertions run, so a
 * failing invariant shows up in the table as FAIL as well as in the test report.
 */
export interface FaultRow {
  /** What was injected, e.g. "kill -9 analytics worker mid-batch". */
  fault: string;
  /** How many times the fault was injected in this test. */
  runs: number;
  /** Records (or messages, or connections) the checker compared with the ground truth. */
  checked: number;
  lost: number;
  duplicated: number;
  /** Other invariants of the test (lag back to 0, order, …) held. @default true */
  ok?: boolean;
  /** One short line of context: figures a reader wants next to the verdict. */
  note?: string;
}

interface StoredRow extends FaultRow {
  suite: string;
  at: string;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const LEDGER_FILE = path.join(repoRoot, 'artifacts', 'reliability.jsonl');
export const TABLE_FILE = path.join(repoRoot, 'artifacts', 'reliability.md');

/** Appends one row (one line, so parallel test files never interleave within a row). */
export function recordFault(row: FaultRow): void {
  fs.mkdirSync(path.dirname(LEDGER_FILE), { recursive: true });
  const stored: StoredRow = {
    ...row,
    suite: process.env.FLEETSTREAM_SUITE ?? 'test',
    at: new Date().toISOString(),
  };
  fs.appendFileSync(LEDGER_FILE, `${JSON.stringify(stored)}\n`);
}

export function verdictOf(row: FaultRow): 'pass' | 'FAIL' {
  return row.lost === 0 && row.duplicated === 0 && row.ok !== false ? 'pass' : 'FAIL';
}

/** Drops the rows of one suite, before that suite runs again. */
export function clearLedger(suite: string): void {
  const kept = readLedger().filter((r) => r.suite !== suite);
  fs.mkdirSync(path.dirname(LEDGER_FILE), { recursive: true });
  fs.writeFileSync(LEDGER_FILE, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

function readLedger(): StoredRow[] {
  if (!fs.existsSync(LEDGER_FILE)) return [];
  return fs
    .readFileSync(LEDGER_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StoredRow);
}

/**
 * The table: one line per fault, runs and counts summed over the tests that injected it, FAIL
 * if any of them found a loss, a duplicate or a broken invariant. Empty when nothing was run.
 */
export function ledgerTable(): string {
  const byFault = new Map<string, FaultRow & { verdict: 'pass' | 'FAIL'; notes: string[] }>();
  for (const r of readLedger()) {
    const seen = byFault.get(r.fault) ?? {
      fault: r.fault,
      runs: 0,
      checked: 0,
      lost: 0,
      duplicated: 0,
      verdict: 'pass' as const,
      notes: [],
    };
    seen.runs += r.runs;
    seen.checked += r.checked;
    seen.lost += r.lost;
    seen.duplicated += r.duplicated;
    if (verdictOf(r) === 'FAIL') seen.verdict = 'FAIL';
    if (r.note && !seen.notes.includes(r.note)) seen.notes.push(r.note);
    byFault.set(r.fault, seen);
  }
  if (byFault.size === 0) return '';
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    '| fault | runs | records checked | lost | duplicated | verdict | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...[...byFault.values()].map(
      (r) =>
        `| ${r.fault} | ${n(r.runs)} | ${n(r.checked)} | ${n(r.lost)} | ${n(r.duplicated)} | ${r.verdict} | ${notesOf(r.notes)} |`,
    ),
  ].join('\n');
}

/** The first two distinct notes of a fault, and how many more there were. */
function notesOf(notes: readonly string[]): string {
  const shown = notes.slice(0, 2).join('; ');
  return notes.length > 2
    ? `${shown}; ${notes.length - 2} more in artifacts/reliability.jsonl`
    : shown;
}

/** Writes artifacts/reliability.md and returns the table with a heading, for the console. */
export function ledgerReport(): string {
  const table = ledgerTable();
  if (table === '') return 'reliability: no fault test ran';
  fs.writeFileSync(TABLE_FILE, `${table}\n`);
  return `\nreliability (artifacts/reliability.md):\n${table}\n`;
}
