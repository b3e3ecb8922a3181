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
      redisCluster: null,
      ci: false,
    });
  });

  it('asks for a local Redis Cluster with REDIS_CLUSTER (primaries), one replica each by default', () => {
    expect(loadLauncherConfig({ REDIS_CLUSTER: '3' }).redisCluster).toEqual({
      primaries: 3,
      replicasPerPrimary: 1,
    });
    expect(
      loadLauncherConfig({ REDIS_CLUSTER: '4', REDIS_CLUSTER_REPLICAS: '0' }).redisCluster,
    ).toEqual({ primaries: 4, replicasPerPrimary: 0 });
    expect(() => loadLauncherConfig({ REDIS_CLUSTER: '2' })).toThrow(/REDIS_CLUSTER: /);
    expect(() =>
      loadLauncherConfig({ REDIS_CLUSTER: '3', REDIS_URL: 'redis://10.0.0.1:6379' }),
    ).toThrow(/REDIS_CLUSTER: starts a local Redis Cluster: leave it unset with REDIS_URL/);
  });

  it('reports every bad variable at once, by name', () => {
    expect(() =>
      loadLauncherConfig({ PORT: '0', FLEET_SIZE: 'many', KAFKA_CONTROLLER_PORT: '9092' }),
    ).toThrow(/PORT: .*; FLEET_SIZE: .*; KAFKA_CONTROLLER_PORT: must differ from KAFKA_PORT/);
  });
});
