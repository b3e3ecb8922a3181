import {
  FleetSnapshotMessageSchema,
  type FleetSnapshotMessage,
  type FleetViewport,
} from '@fleetstream/contracts';
import { connectOpsStream, type OpsConnection } from './ops-stream.js';

/**
 * The live fleet map's stream (/ws/fleet): says which part of the map is shown, and gets what
 * is in it about once a second. The viewport is sent again after every reconnection.
 */
export function connectFleet(
  token: string,
  handlers: { onMessage(m: FleetSnapshotMessage): void; onState(s: OpsConnection): void },
): { setViewport(v: FleetViewport): void; close(): void } {
  let viewport: FleetViewport | null = null;
  const stream = connectOpsStream('/ws/fleet', token, FleetSnapshotMessageSchema, {
    ...handlers,
    onOpen: (send) => viewport && send(JSON.stringify(viewport)),
  });
  return {
    setViewport(v) {
      viewport = v;
      stream.send(JSON.stringify(v));
    },
    close: () => stream.close(),
  };
}
