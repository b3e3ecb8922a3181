import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, NO_FAULTS } from './faults.js';
import { createProgram, parseOptions } from './options.js';

function parse(args: string[], env: { KAFKA_BROKERS?: string } = {}) {
  const program = createProgram(env)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return parseOptions(program, args);
}

describe('parseOptions', () => {
  it('has the documented defaults', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      drivers: 50,
      rateHz: 1,
      durationS: 0,
      city: 'monaco',
      osm: null,
      center: { lat: 52.52, lng: 13.405 },
      radiusM: 5000,
      brokers: ['127.0.0.1:9092'],
      topic: 'delivery-location',
      partitions: 12,
      geojson: null,
    });
    expect(o.faults).toEqual(DEFAULT_FAULTS);
    expect(Object.isFrozen(o)).toBe(true);
    expect(parse([], { KAFKA_BROKERS: 'k1:9092,k2:9093' }).brokers).toEqual(['k1:9092', 'k2:9093']);
  });

  it('reads every knob', () => {
    const o = parse(
      '--drivers 10000 --rate 2 --duration 60 --seed 7 --city synthetic --center 48.85,2.35 --radius 3000 --brokers a:1,b:2 --partitions 24 --noise 8 --outlier-rate 0.01 --dropout-rate 0.005 --duplicate-rate 0.01 --skew-rate 0.2 --skew-max 500 --geojson roads.json'.split(
        ' ',
      ),
    );
    expect(o).toMatchObject({ drivers: 10000, rateHz: 2, durationS: 60, seed: 7, radiusM: 3000 });
    expect(o.center).toEqual({ lat: 48.85, lng: 2.35 });
    expect(o.brokers).toEqual(['a:1', 'b:2']);
    expect(o.faults).toMatchObject({
      noiseM: 8,
      outlierRate: 0.01,
      dropoutRate: 0.005,
      skewMaxMs: 500,
    });
    expect(o.geojson).toBe('roads.json');
    expect(parse(['--no-faults']).faults).toEqual(NO_FAULTS);
  });

  it('starts a new session on every run unless one is given, and reads --reboot-rate', () => {
    const [a, b] = [parse([]), parse([])];
    expect(a.session).not.toBe(b.session);
    expect(a.session.length).toBeLessThanOrEqual(48);
    expect(a.rebootRate).toBe(0);
    expect(parse(['--session', 'run-7', '--reboot-rate', '0.05'])).toMatchObject({
      session: 'run-7',
      rebootRate: 0.05,
    });
  });

  it.each([
    [['--session', 'x'.repeat(49)], /--session.*1 to 48 characters/],
    [['--reboot-rate', '1.5'], /--reboot-rate.*number from 0 to 1/],
    [['--reboot-rate', '0.1', '--acked-log', 'a.log'], /--acked-log cannot be combined/],
    [['--drivers', '0'], /--drivers.*'0' is invalid.*whole number from 1/],
    [['--drivers', 'many'], /--drivers.*'many' is invalid/],
    [['--rate', '-1'], /--rate.*number from 0.01 to 10/],
    [['--center', '52.5'], /--center.*"lat,lng"/],
    [['--city', 'atlantis'], /--city.*'atlantis' is invalid.*monaco, synthetic/],
    [['--radius', '3000'], /--radius shapes the synthetic city only; add --city synthetic/],
    [['--city', 'synthetic', '--osm', 'x.osm.pbf', '--center', '1,2'], /--center shapes the/],
    [['--brokers', 'localhost'], /--brokers.*host:port.*"localhost"/],
    [['--outlier-rate', '2'], /--outlier-rate.*number from 0 to 1/],
    [['--geojson-only'], /--geojson-only needs --geojson/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('rejects %j saying which option and why', (args, message) => {
    expect(() => parse(args)).toThrow(message);
  });
});
