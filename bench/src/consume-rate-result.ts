/** What `consume-rate.ts --json` writes: each group's consume rate on a preloaded backlog. */
export interface ConsumeRateResult {
  records: number;
  drivers: number;
  partitions: number;
  repeat: number;
  /** Medians over the repeats, per variant (this checkout, or a baseline) and group. */
  rows: {
    variant: string;
    group: string;
    /** An empty kafkajs consumer on the same backlog, in the same run. */
    rawRecordsPerS: number;
    recordsPerS: number;
    roleCpuUsPerRecord: number;
    redisCpuUsPerRecord: number;
  }[];
}
