import {
  legacyPlace,
  sourcePlace,
  type DeliveryKeys,
  type DeliveryPlace,
} from './delivery-keys.js';
import { isCluster, type RedisClient } from './redis.js';

/**
 * Every place deliveries are kept: each source's keys (one slot each on a Redis Cluster), and
 * on a standalone Redis the names of before too, which hold deliveries not written since.
 */
export async function deliveryPlaces(
  redis: RedisClient,
  keys: DeliveryKeys,
): Promise<DeliveryPlace[]> {
  const sources = (await redis.smembers(keys.sources)).sort();
  const places = sources.map((s) => sourcePlace(keys, s));
  if (!isCluster(redis)) places.push(legacyPlace(keys));
  return places;
}

/** Where each delivery is kept: its home source, else the names of before (standalone only). */
export async function placesOf(
  redis: RedisClient,
  keys: DeliveryKeys,
  ids: readonly string[],
): Promise<(DeliveryPlace | null)[]> {
  const homes = await Promise.all(ids.map((id) => redis.get(keys.home(id))));
  const legacy = isCluster(redis) ? null : legacyPlace(keys);
  return homes.map((home) => (home ? sourcePlace(keys, home) : legacy));
}
