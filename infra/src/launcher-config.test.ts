import { describe, expect, it } from 'vitest';
import { loadLauncherConfig } from './launcher-config.js';

describe('launcher config', () => {
  it('has defaults for everything and treats empty as unset', () => {
    const c = loadLauncherConfig({ KAFKA_BROKERS: '', PORT: '' });
    expect(c).toMatchObject({
      kafkaBrokers: undefined,
      kafkaPort: 9092,
      kafkaControllerPort: 9093,
      redisPort: 6379,
      port: 8080,
      fleetSize: 50,
      ci: false,
    });
  });

  it('reports every bad variable at once, by name', () => {
    expect(() =>
      loadLauncherConfig({ PORT: '0', FLEET_SIZE: 'many', KAFKA_CONTROLLER_PORT: '9092' }),
    ).toThrow(/PORT: .*; FLEET_SIZE: .*; KAFKA_CONTROLLER_PORT: must differ from KAFKA_PORT/);
  });
});
