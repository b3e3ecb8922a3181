import { describe, expect, it } from 'vitest';
import { feedEntry, readFeed } from './live-feed.js';

const read = (frame: Buffer) => {
  const out: [string, string][] = [];
  readFeed(frame, (id, json) => out.push([id, json.toString()]));
  return out;
};

describe('live feed frames', () => {
  it('reads back every message with its delivery id, in order, whatever the id holds', () => {
    const entries: [string, string][] = [
      ['dlv-1', '{"type":"position","seq":1}'],
      ['dlv:2:\n12:x', '{"type":"status","note":"a\\nb"}'],
      ['dostawa-żółć', '{"type":"position","seq":3}'],
      ['dlv-1', '{"type":"position","seq":2}'],
    ];
    const frame = Buffer.from(entries.map(([id, json]) => feedEntry(id, json)).join(''));
    expect(read(frame)).toEqual(entries);
  });

  it('stops at a malformed entry, keeping those before it', () => {
    const good = feedEntry('a', '{"x":1}');
    expect(read(Buffer.from(`${good}zz:{"x":2}\n`))).toEqual([['a', '{"x":1}']]);
    expect(read(Buffer.from(`${good}99:a{"x":2}\n`))).toEqual([['a', '{"x":1}']]);
    expect(read(Buffer.from(''))).toEqual([]);
  });
});
