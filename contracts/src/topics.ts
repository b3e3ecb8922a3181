/** Kafka topic names of the contract (DESIGN.md). Declared here only. */
export const TOPICS = {
  /** GPS fixes and trip events, key = driverId. */
  location: 'delivery-location',
  /** Customer notifications, key = deliveryId. */
  notifications: 'delivery-notifications',
  /** Records that failed validation, with their source coordinates in headers. */
  locationDlq: 'delivery-location.dlq',
} as const;

export type TopicKey = keyof typeof TOPICS;

/** Partitions of `delivery-location` when the topic is created by us. */
export const DEFAULT_LOCATION_PARTITIONS = 12;

/** Consumer groups of the contract, one per fan-out branch. */
export const GROUPS = {
  livePush: 'live-push',
  analytics: 'analytics',
  notifications: 'notifications',
} as const;

export type GroupId = (typeof GROUPS)[keyof typeof GROUPS];

/** Headers a dead-lettered record carries, so it can be traced back and replayed. */
export const DLQ_HEADERS = {
  sourceTopic: 'fs-source-topic',
  sourcePartition: 'fs-source-partition',
  sourceOffset: 'fs-source-offset',
  error: 'fs-error',
  failedAt: 'fs-failed-at',
  /** The consumer group that dead-lettered it (each group judges every record). */
  group: 'fs-group',
  /** Set when the value was cut: the original size in bytes. */
  originalBytes: 'fs-original-bytes',
} as const;
