import { useState, type FormEvent } from 'react';
import { REPLAY_MAX_WINDOW_MS } from '@fleetstream/contracts';
import { REPLAY_SPEEDS } from '../../components/replay-controls.js';

export interface ReplayWindow {
  from: number;
  to: number;
  speed: number;
}

const PRESETS = [
  { key: '15m', label: 'Last 15 min', ms: 15 * 60_000 },
  { key: '1h', label: 'Last hour', ms: 3600_000 },
] as const;
type Choice = (typeof PRESETS)[number]['key'] | 'custom';

/** Epoch ms as a datetime-local value (local time, to the second). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** A datetime-local value (local time) as epoch ms, or NaN. */
export const fromLocalInput = (value: string): number =>
  value ? new Date(value).getTime() : Number.NaN;

/** What is wrong with a custom window, or null. */
export function windowProblem(from: number, to: number, now: number): string | null {
  if (Number.isNaN(from) || Number.isNaN(to)) return 'Enter both the start and the end.';
  if (from >= to) return 'The start must be before the end.';
  if (from > now) return 'The start must be in the past.';
  if (to - from > REPLAY_MAX_WINDOW_MS)
    return `A replay covers at most ${REPLAY_MAX_WINDOW_MS / 3600_000} hours.`;
  return null;
}

/**
 * Which stretch of the log to replay: a recent preset or a custom window, and the speed. The
 * custom inputs are read when the form is sent, so whatever fills them (a picker, a test) counts.
 */
export function WindowPicker({ onStart }: { onStart: (w: ReplayWindow) => void }) {
  const [choice, setChoice] = useState<Choice>('15m');
  const [speed, setSpeed] = useState(10);
  const [problem, setProblem] = useState<string | null>(null);
  const [defaults] = useState(() => {
    const now = Date.now();
    return { from: toLocalInput(now - 15 * 60_000), to: toLocalInput(now) };
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const now = Date.now();
    const preset = PRESETS.find((p) => p.key === choice);
    let from: number;
    let to: number;
    if (preset) {
      from = now - preset.ms;
      to = now;
    } else {
      const data = new FormData(e.currentTarget);
      from = fromLocalInput(String(data.get('from') ?? ''));
      to = fromLocalInput(String(data.get('to') ?? ''));
    }
    const wrong = windowProblem(from, to, now);
    setProblem(wrong);
    if (!wrong) onStart({ from, to: Math.min(to, now), speed });
  };

  return (
    <form className="replay-picker" onSubmit={submit} aria-label="Replay window">
      <fieldset>
        <legend>Window</legend>
        {PRESETS.map((p) => (
          <label key={p.key} className="inline">
            <input
              type="radio"
              name="window"
              value={p.key}
              checked={choice === p.key}
              onChange={() => setChoice(p.key)}
            />
            {p.label}
          </label>
        ))}
        <label className="inline">
          <input
            type="radio"
            name="window"
            value="custom"
            data-testid="replay-custom"
            checked={choice === 'custom'}
            onChange={() => setChoice('custom')}
          />
          Custom
        </label>
        {choice === 'custom' && (
          <span className="replay-custom">
            <label className="inline">
              From{' '}
              <input
                type="datetime-local"
                name="from"
                step={1}
                defaultValue={defaults.from}
                data-testid="replay-from"
                required
              />
            </label>
            <label className="inline">
              To{' '}
              <input
                type="datetime-local"
                name="to"
                step={1}
                defaultValue={defaults.to}
                data-testid="replay-to"
                required
              />
            </label>
          </span>
        )}
      </fieldset>
      <label className="inline">
        Speed{' '}
        <select
          value={speed}
          onChange={(e) => setSpeed(Number(e.target.value))}
          data-testid="replay-window-speed"
        >
          {REPLAY_SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </label>
      <button type="submit" data-testid="replay-start">
        Start
      </button>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}
