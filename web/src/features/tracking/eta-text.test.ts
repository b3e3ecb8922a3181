import { describe, expect, it } from 'vitest';
import { etaText } from './eta-text.js';

describe('etaText', () => {
  it.each([
    [10, 40, 'about 1 min'],
    [30, 80, 'about 1 min'],
    [0, 0, 'about 1 min'],
    [230, 250, 'about 4 min'],
    [240, 360, '4–6 min'],
    [50, 150, '1–3 min'],
    [400, 300, '5–7 min'],
  ])('%d…%d s reads "%s"', (min, max, text) => {
    expect(etaText(min, max)).toBe(text);
  });
});
