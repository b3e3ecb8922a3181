import { encodeLocationRecord, type PositionMessage } from '@fleetstream/contracts';

/** `n` position records of the real shape and size, keyed by driver, as the load generator sends. */
export function samplePositionRecords(n: number): { key: string; value: Buffer }[] {
  const ts = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const driverId = `drv-ceil-${i}`;
    return {
      key: driverId,
      value: encodeLocationRecord({
        type: 'position',
        v: 1,
        driverId,
        deliveryId: `dlv-ceil-${i}`,
        seq: 1000 + i,
        ts: ts + i,
        lat: 52.52 + (i % 1000) * 1.3e-5,
        lng: 13.405 + (i % 777) * 2.1e-5,
        speedMps: 8,
        headingDeg: 271.3,
        accuracyM: 5,
      }),
    };
  });
}

/** A customer position message of the real shape, as live-push publishes it. */
export function samplePositionMessage(): string {
  const ts = Date.now();
  const m: PositionMessage = {
    type: 'position',
    deliveryId: 'dlv-ceil-12345',
    driverId: 'drv-ceil-12345',
    seq: 4242,
    ts,
    lat: 52.5212345678,
    lng: 13.4051234567,
    speedMps: 8,
    headingDeg: 271.3,
    accuracyM: 5,
    appliedAt: ts + 3,
  };
  return JSON.stringify(m);
}
