import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Outgoing, isPositionMessage, textFrame } from './outgoing.js';

/**
 * A real ws server and client: frames written straight to the upgraded connection, as the
 * gateway does, must reach the client as the messages they hold, in order with ws's own sends.
 */
let wss: WebSocketServer;
let url: string;
beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => wss.close(resolve)));

/** Connects a client, lets `serve` write to the server side, and collects `count` messages. */
async function receive(
  count: number,
  serve: (ws: WebSocket, raw: NodeJS.WritableStream) => void,
): Promise<{ text: string; binary: boolean }[]> {
  wss.once('connection', (ws, req) => serve(ws, req.socket));
  const client = new WebSocket(url, { perMessageDeflate: false });
  const got: { text: string; binary: boolean }[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data: Buffer, binary) => {
      got.push({ text: data.toString(), binary });
      if (got.length === count) resolve();
    });
    client.once('error', reject);
    client.once('close', (code) => reject(new Error(`closed ${code} after ${got.length}`)));
  });
  client.terminate();
  return got;
}

describe('textFrame', () => {
  it('frames payloads of every header size as text messages a ws client reads', async () => {
    // 125 and 126 bytes sit either side of the 2-byte length; 65,536 needs the 8-byte one.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
    const texts = lengths.map((length, i) => String(i).repeat(length));
    const got = await receive(texts.length, (_ws, raw) => {
      for (const text of texts) raw.write(textFrame(Buffer.from(text)));
    });
    expect(got).toEqual(texts.map((text) => ({ text, binary: false })));
  });

  it('keeps its order with what ws itself sends, multi-byte text intact', async () => {
    const a = '{"type":"position","note":"Zürich → Genève"}';
    const got = await receive(3, (ws, raw) => {
      ws.send('{"type":"snapshot"}');
      raw.write(textFrame(Buffer.from(a)));
      ws.send('{"type":"heartbeat"}');
    });
    expect(got.map((m) => m.text)).toEqual(['{"type":"snapshot"}', a, '{"type":"heartbeat"}']);
  });
});

describe('Outgoing', () => {
  it('builds its frame once and tells positions from other messages', () => {
    const position = new Outgoing(Buffer.from('{"type":"position","seq":3}'));
    expect(position.isPosition).toBe(true);
    expect(position.frame).toBe(position.frame);
    expect(position.frame.subarray(2).toString()).toBe('{"type":"position","seq":3}');
    expect(new Outgoing(Buffer.from('{"type":"notification"}')).isPosition).toBe(false);
    expect(isPositionMessage(Buffer.from('{"type":"pos'))).toBe(false);
  });
});
