import type { Admin } from 'kafkajs';
import type { KafkaClient } from '@fleetstream/kafka/client';

/**
 * A cheap liveness check of the cluster for /healthz: one admin connection kept open, a
 * metadata round trip at most every `cacheMs`.
 */
export function createKafkaProbe(kafka: KafkaClient, cacheMs = 3_000) {
  let admin: Admin | undefined;
  let last = { at: 0, ok: false, error: '' };
  const check = async (): Promise<{ ok: boolean; error?: string }> => {
    if (Date.now() - last.at < cacheMs)
      return last.ok ? { ok: true } : { ok: false, error: last.error };
    try {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      const cluster = await admin.describeCluster();
      last = { at: Date.now(), ok: cluster.brokers.length > 0, error: '' };
    } catch (err) {
      last = { at: Date.now(), ok: false, error: (err as Error).message };
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    }
    return last.ok ? { ok: true } : { ok: false, error: last.error };
  };
  return { check, stop: async () => admin?.disconnect() };
}
