import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { parseClusterUrl } from './infra/redis.js';

describe('loadConfig', () => {
  it('applies the defaults of DESIGN.md', () => {
    const c = loadConfig(['live-push'], {});
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.http.port).toBe(8080);
    expect(c.topics.location).toBe('delivery-location');
    expect(c.groups.analytics).toBe('analytics');
    expect(Object.isFrozen(c.kafka)).toBe(true);
  });

  it('takes a Redis Cluster as redis+cluster:// seed nodes, and refuses what is neither', () => {
    const url = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001';
    expect(loadConfig(['analytics'], { REDIS_URL: url }).redis.url).toBe(url);
    expect(parseClusterUrl('rediss+cluster://u:p%40ss@a:1,[::1]:2')).toEqual({
      nodes: [
        { host: 'a', port: 1 },
        { host: '::1', port: 2 },
      ],
      username: 'u',
      password: 'p@ss',
      tls: true,
    });
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeNull();
    expect(() => loadConfig(['analytics'], { REDIS_URL: 'redis+cluster://a:1,b' })).toThrow(
      /REDIS_URL: bad Redis Cluster URL redis\+cluster:\/\/a:1,b: "b" is not host:port/,
    );
    expect(() => loadConfig(['analytics'], { REDIS_URL: 'http://x:1' })).toThrow(
      /REDIS_URL: expected redis:\/\/, rediss:\/\/ or redis\+cluster:/,
    );
    expect(() => loadConfig(['analytics'], { REDIS_PREFIX: 'a{b}:' })).toThrow(
      /REDIS_PREFIX: no \{ or \}/,
    );
  });

  it('reports every bad variable by name', () => {
    expect(() =>
      loadConfig(['live-push'], { PORT: 'eighty', KAFKA_BROKERS: 'nohost', LOG_LEVEL: 'loud' }),
    ).toThrow(/PORT.*KAFKA_BROKERS.*LOG_LEVEL|KAFKA_BROKERS.*PORT/s);
  });

  it('asks for the secrets the gateway needs', () => {
    expect(() => loadConfig(['gateway'], {})).toThrow(
      'OPS_TOKEN: required by the gateway role; TRACKING_SECRET: required by the gateway role',
    );
  });

  it('reports bad values and broken rules between variables together, every one', () => {
    const env = {
      PORT: 'eighty',
      NOTIFY_SINK: 'webhook',
      KAFKA_SASL_MECHANISM: 'plain',
      TOPIC_REPLICATION_FACTOR: '1',
      TOPIC_MIN_INSYNC_REPLICAS: '2',
      COURIER_OFFLINE_AFTER_S: '600',
      DELIVERY_ABANDON_AFTER_S: '300',
      LOG_LEVEL: 'loud',
    };
    let message = '';
    try {
      loadConfig(['gateway'], env);
    } catch (err) {
      message = (err as Error).message;
    }
    const named = [
      'PORT',
      'LOG_LEVEL',
      'OPS_TOKEN: required by the gateway role',
      'TRACKING_SECRET: required by the gateway role',
      'TOPIC_MIN_INSYNC_REPLICAS: must not exceed TOPIC_REPLICATION_FACTOR',
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM',
      'NOTIFY_WEBHOOK_URL: required when NOTIFY_SINK=webhook',
      'DELIVERY_ABANDON_AFTER_S: must exceed COURIER_OFFLINE_AFTER_S',
    ];
    for (const part of named) expect(message).toContain(part);
  });

  it('reads the WebSocket ping interval, 15 s by default, and refuses nonsense', () => {
    expect(loadConfig(['live-push'], {}).ws.pingIntervalMs).toBe(15_000);
    expect(loadConfig(['live-push'], { WS_PING_INTERVAL_MS: '500' }).ws.pingIntervalMs).toBe(500);
    expect(() => loadConfig(['live-push'], { WS_PING_INTERVAL_MS: '0' })).toThrow(
      /WS_PING_INTERVAL_MS/,
    );
  });

  it('takes an empty webhook URL as none and refuses one that is not a URL', () => {
    const c = loadConfig(['ops'], { ALERT_WEBHOOK_URL: '' });
    expect(c.alerts.webhook).toBeNull();
    expect(() => loadConfig(['ops'], { ALERT_WEBHOOK_URL: 'hooks.example' })).toThrow(
      /ALERT_WEBHOOK_URL/,
    );
  });

  it('namespaces topics and groups', () => {
    const c = loadConfig(['live-push'], { KAFKA_NAMESPACE: 'staging.' });
    expect(c.topics.locationDlq).toBe('staging.delivery-location.dlq');
    expect(c.groups.livePush).toBe('staging.live-push');
  });
});
