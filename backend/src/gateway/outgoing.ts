import { messageOrder } from '@fleetstream/contracts';

export interface OutgoingMeta {
  type: string;
  /** Its place in the delivery's order (`messageOrder`). */
  order: number;
  /** A notification's id ('' for other messages). */
  id: string;
}

/**
 * A customer message on its way to every socket that follows its delivery: what is the same for
 * all of them is worked out once, here, and not once per socket. Its bytes are the ones Redis
 * delivered (a view into the feed frame); it is framed as a WebSocket message on first use, and
 * that frame is written as it is to each socket (one buffer, one write), where `ws` would build
 * a header and write two buffers for every recipient.
 */
export class Outgoing {
  readonly isPosition: boolean;
  private framed: Buffer | undefined;
  private parsed: OutgoingMeta | undefined;

  constructor(readonly payload: Buffer) {
    this.isPosition = isPositionMessage(payload);
  }

  /**
   * Its type, place in the delivery's order and notification id, parsed on first use: only
   * sockets that have just taken a snapshot ask, and then once for all of them.
   */
  get meta(): OutgoingMeta {
    if (this.parsed) return this.parsed;
    const m = JSON.parse(this.payload.toString()) as {
      type?: string;
      seq?: number;
      rev?: number;
      id?: string;
    };
    return (this.parsed = {
      type: m.type ?? '',
      order: messageOrder({ seq: m.seq ?? -1, rev: m.rev }),
      id: m.id ?? '',
    });
  }

  /** The payload as one unmasked, final WebSocket text frame (RFC 6455 §5.2). */
  get frame(): Buffer {
    return (this.framed ??= textFrame(this.payload));
  }
}

const POSITION_PREFIX = Buffer.from('{"type":"position"');
/** Positions are serialised with their type first (delivery-store), so the prefix tells. */
export const isPositionMessage = (m: Buffer) =>
  m.length >= POSITION_PREFIX.length &&
  m.compare(POSITION_PREFIX, 0, POSITION_PREFIX.length, 0, POSITION_PREFIX.length) === 0;

/** FIN set, opcode 1 (text). */
const FIN_TEXT = 0x81;

/** A server's frame of `payload` as one text message: no mask, header and payload in one buffer. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_TEXT;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}
