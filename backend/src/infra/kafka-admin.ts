import '@fleetstream/kafka/read-committed';
import { AssignerProtocol, type Admin } from 'kafkajs';
import type { KafkaClient } from '@fleetstream/kafka/client';

/** What the broker says about one group on one topic, read in a fixed order (see inspect). */
export interface GroupObservation {
  groupId: string;
  /** Broker's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  state: string;
  /** Committed offset per partition; -1 when the group never committed there. */
  committed: Map<number, bigint>;
  members: { memberId: string; clientId: string; host: string; partitions: number[] }[];
}

export interface TopicObservation {
  /** Per partition: high watermark (end) and low watermark (oldest retained). */
  partitions: { partition: number; end: bigint; low: bigint }[];
}

export interface Observation {
  at: number;
  topic: TopicObservation;
  groups: GroupObservation[];
}

/**
 * Reads lag inputs with the admin API: committed offsets of every group first, then end
 * offsets, then members. Committed-before-end means lag is never under-reported by a commit
 * that lands between the two reads. Never calls fetchOffsets with resolveOffsets (that writes).
 */
export function createGroupInspector(kafka: KafkaClient) {
  let admin: Admin | undefined;
  const connect = async () => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  };

  return {
    async inspect(groupIds: readonly string[], topic: string): Promise<Observation> {
      const a = await connect();
      try {
        const committedByGroup = await Promise.all(
          groupIds.map(async (groupId) => {
            const [t] = await a.fetchOffsets({ groupId, topics: [topic] });
            return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
          }),
        );
        const offsets = await a.fetchTopicOffsets(topic);
        const described = await a.describeGroups([...groupIds]);
        const at = Date.now();
        return {
          at,
          topic: {
            partitions: offsets
              .map((o) => ({ partition: o.partition, end: BigInt(o.high), low: BigInt(o.low) }))
              .sort((x, y) => x.partition - y.partition),
          },
          groups: groupIds.map((groupId, i) => {
            const g = described.groups.find((d) => d.groupId === groupId);
            return {
              groupId,
              state: g?.state ?? 'Dead',
              committed: committedByGroup[i]!,
              members: (g?.members ?? []).map((m) => {
                let partitions: number[] = [];
                if (m.memberAssignment.length > 0) {
                  const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
                  partitions = [...(decoded?.assignment[topic] ?? [])].sort((x, y) => x - y);
                }
                return {
                  memberId: m.memberId,
                  clientId: m.clientId,
                  host: m.clientHost,
                  partitions,
                };
              }),
            };
          }),
        };
      } catch (err) {
        await admin?.disconnect().catch(() => undefined);
        admin = undefined;
        throw err;
      }
    },
    async stop() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
