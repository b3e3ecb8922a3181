import { OpsServerMessageSchema, type OpsServerMessage } from '@fleetstream/contracts';
import { connectOpsStream, type OpsConnection } from './ops-stream.js';

export type { OpsConnection };

/** The dashboard's live feed (/ws/ops); the server resends history on every connection. */
export function connectOps(
  token: string,
  handlers: { onMessage(m: OpsServerMessage): void; onState(s: OpsConnection): void },
): () => void {
  const stream = connectOpsStream('/ws/ops', token, OpsServerMessageSchema, handlers);
  return () => stream.close();
}
