import { z } from 'zod';
import { LatLngSchema, type TripStatus } from './location.js';
import {
  NotificationMessageSchema,
  PositionMessageSchema,
  SnapshotMessageSchema,
  StatusMessageSchema,
} from './ws-messages.js';

/**
 * Replay straight from the log: `GET /ws/replay?from=<ms>&to=<ms>&speed=<x>[&deliveryId=<id>]`,
 * with the ops token (offered as the `bearer.<token>` subprotocol, or an Authorization header),
 * or with a delivery's tracking token (`t=`) for that one delivery. Nothing is committed: a
 * replay joins no consumer group.
 */
export const REPLAY_MIN_SPEED = 1;
export const REPLAY_MAX_SPEED = 60;
/** The longest window one replay may cover. */
export const REPLAY_MAX_WINDOW_MS = 24 * 3600_000;

/** Where a courier is in its work, for colouring it on a map. */
export const COURIER_STATES = ['to_pickup', 'to_customer', 'idle'] as const;
export type CourierState = (typeof COURIER_STATES)[number];

/**
 * First message of a replay. `from`/`to` are the window actually played (a delivery replay
 * without them plays the delivery's whole trip); `oldestAvailable` is the Kafka time of the
 * oldest record still in the log (null for an empty log).
 */
export const ReplayStartMessageSchema = z.object({
  type: z.literal('replay-start'),
  from: z.number(),
  to: z.number(),
  oldestAvailable: z.number().nullable(),
  speed: z.number(),
  /** The delivery replayed, or null for the whole fleet. */
  deliveryId: z.string().nullable(),
  /** For a delivery replay: where it was picked up and dropped off, when known. */
  pickup: LatLngSchema.nullable().optional(),
  dropoff: LatLngSchema.nullable().optional(),
});
export type ReplayStartMessage = z.infer<typeof ReplayStartMessageSchema>;

/**
 * The replay clock: sent when it starts, on every control (play, pause, speed, seek) and about
 * twice a second while playing. `at` is the device time being shown. After a seek (`seeked`),
 * everything shown before belongs to another time: clear it (a delivery replay then sends a
 * `snapshot`, as /ws/track does, of the delivery as it was at `at`).
 */
export const ReplayStateMessageSchema = z.object({
  type: z.literal('replay-state'),
  at: z.number(),
  speed: z.number(),
  playing: z.boolean(),
  seeked: z.boolean(),
});
export type ReplayStateMessage = z.infer<typeof ReplayStateMessageSchema>;

/** One courier in a fleet frame: `[driverId, deliveryId | null, lat, lng, ts, state]`. */
export const FrameCourierSchema = z.tuple([
  z.string(),
  z.string().nullable(),
  z.number(),
  z.number(),
  z.number(),
  z.enum(COURIER_STATES),
]);
export type FrameCourier = z.infer<typeof FrameCourierSchema>;

/**
 * A fleet replay's picture at device time `at`: the latest position of each courier that moved
 * since the previous frame (thinned to one per courier per frame, at most 10 frames a second).
 */
export const ReplayFrameMessageSchema = z.object({
  type: z.literal('frame'),
  at: z.number(),
  couriers: z.array(FrameCourierSchema),
});
export type ReplayFrameMessage = z.infer<typeof ReplayFrameMessageSchema>;

/** The window has been played to its end (the socket stays open: seek to play again). */
export const ReplayEndMessageSchema = z.object({
  type: z.literal('replay-end'),
  at: z.number(),
});

export const REPLAY_ERROR_CODES = ['OUT_OF_RETENTION', 'NOT_FOUND', 'UNAVAILABLE'] as const;
/** The replay cannot be played; the socket closes after it. */
export const ReplayErrorMessageSchema = z.object({
  type: z.literal('replay-error'),
  code: z.enum(REPLAY_ERROR_CODES),
  message: z.string(),
  oldestAvailable: z.number().nullable(),
});
export type ReplayErrorMessage = z.infer<typeof ReplayErrorMessageSchema>;

/** Every message the server sends on /ws/replay, told apart by `type`. */
export const ReplayServerMessageSchema = z.discriminatedUnion('type', [
  ReplayStartMessageSchema,
  ReplayStateMessageSchema,
  ReplayFrameMessageSchema,
  ReplayEndMessageSchema,
  ReplayErrorMessageSchema,
  SnapshotMessageSchema,
  PositionMessageSchema,
  StatusMessageSchema,
  NotificationMessageSchema,
]);
export type ReplayServerMessage = z.infer<typeof ReplayServerMessageSchema>;

/** What the browser sends on /ws/replay: the player's controls. */
export const ReplayControlSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('play') }),
  z.object({ type: z.literal('pause') }),
  z.object({
    type: z.literal('speed'),
    speed: z.number().min(REPLAY_MIN_SPEED).max(REPLAY_MAX_SPEED),
  }),
  /** Jump to device time `at` (inside the window): playing goes on from the first record at or after it. */
  z.object({ type: z.literal('seek'), at: z.number() }),
]);
export type ReplayControl = z.infer<typeof ReplayControlSchema>;

/** The courier's state after a trip event of this status. */
export const courierStateAfter = (status: TripStatus): CourierState =>
  status === 'assigned' ? 'to_pickup' : status === 'picked_up' ? 'to_customer' : 'idle';
