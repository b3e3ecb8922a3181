import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer } from '@fleetstream/kafka/producer';
import { testLogger } from '@fleetstream/backend/testing/fixtures';

/** Records per send: a produce request stays well under the broker's 1 MiB limit. */
const PER_SEND = 1000;

/**
 * Produces records to a location topic keyed by driver, in the given order (so each driver's
 * records land on its partition in that order), and resolves once all are acknowledged.
 */
export async function produceRecords(
  brokers: string,
  topic: string,
  ...batches: LocationRecord[][]
): Promise<void> {
  const kafka = createKafka({
    brokers: brokers.split(','),
    clientId: 'produce-records',
    log: testLogger(),
  });
  const producer = await startProducer(kafka);
  try {
    for (const records of batches)
      for (let from = 0; from < records.length; from += PER_SEND) {
        const slice = records.slice(from, from + PER_SEND);
        await producer.send(
          topic,
          slice.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
        );
      }
  } finally {
    await producer.stop();
  }
}
