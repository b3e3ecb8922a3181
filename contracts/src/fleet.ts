import { z } from 'zod';
import { COURIER_STATES } from './replay.js';

/**
 * The live fleet map: `GET /ws/fleet` with the ops token (the `bearer.<token>` subprotocol
 * beside `fleetstream-ops`). The browser says what it shows (`viewport`); about once a second
 * the gateway sends what is in it: every courier when there are few enough, clusters when not.
 * One message per dashboard per second, whatever the fleet's size.
 */
export const FLEET_STATES = [...COURIER_STATES, 'offline'] as const;
export type FleetState = (typeof FLEET_STATES)[number];

/** At most this many couriers are sent one by one; past it, the view comes as clusters. */
export const FLEET_MAX_COURIERS = 2500;

export const FleetViewportSchema = z.object({
  type: z.literal('viewport'),
  south: z.number().min(-90).max(90),
  west: z.number().min(-540).max(540),
  north: z.number().min(-90).max(90),
  east: z.number().min(-540).max(540),
  zoom: z.number().min(0).max(24),
});
export type FleetViewport = z.infer<typeof FleetViewportSchema>;

/** One courier: `[driverId, deliveryId | null, lat, lng, lastFixTs, state]`. */
export const FleetCourierSchema = z.tuple([
  z.string(),
  z.string().nullable(),
  z.number(),
  z.number(),
  z.number(),
  z.enum(FLEET_STATES),
]);
export type FleetCourier = z.infer<typeof FleetCourierSchema>;

const StateCountsSchema = z.object(
  Object.fromEntries(FLEET_STATES.map((s) => [s, z.number().int().nonnegative()])) as Record<
    FleetState,
    z.ZodNumber
  >,
);
export type FleetStateCounts = z.infer<typeof StateCountsSchema>;

/** Couriers near each other at this zoom, drawn as one circle with their count. */
export const FleetClusterSchema = z.object({
  lat: z.number(),
  lng: z.number(),
  count: z.number().int().positive(),
  counts: StateCountsSchema,
});
export type FleetCluster = z.infer<typeof FleetClusterSchema>;

export const FleetSnapshotMessageSchema = z.object({
  type: z.literal('fleet'),
  /** When the gateway built it, epoch ms. */
  at: z.number(),
  /** Every courier the gateway knows, and how many are in each state. */
  total: z.number().int().nonnegative(),
  counts: StateCountsSchema,
  /** In the viewport: the couriers themselves, or (past FLEET_MAX_COURIERS) clusters. */
  couriers: z.array(FleetCourierSchema).nullable(),
  clusters: z.array(FleetClusterSchema).nullable(),
  /** How long without a fix makes a courier offline, in seconds. */
  offlineAfterS: z.number(),
});
export type FleetSnapshotMessage = z.infer<typeof FleetSnapshotMessageSchema>;
