import { Partitioners } from 'kafkajs';
import { expect, it } from 'vitest';
import { partitionForKey } from './partitioner.js';

it('picks the same partition as the producer (Java-compatible default partitioner)', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  for (const partitions of [1, 3, 12, 100]) {
    const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    for (let i = 0; i < 500; i++) {
      const key = i % 7 === 0 ? `drv-ü-${i}` : `drv-${String(i).padStart(5, '0')}`;
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(partitionForKey(key, partitions), key).toBe(expected);
    }
  }
});
