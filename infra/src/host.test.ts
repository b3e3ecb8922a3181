import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir, requirePortFree } from './host.js';

describe('launcher checks', () => {
  it('names the busy port and the variable that changes it', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    await expect(requirePortFree(port, 'REDIS_PORT')).rejects.toThrow(
      `port ${port} is already in use: stop what uses it or choose another port with REDIS_PORT=<port>.`,
    );
    await new Promise((r) => server.close(r));
    await expect(requirePortFree(port, 'REDIS_PORT')).resolves.toBeUndefined();
  });

  it('refuses a second launcher on the same data dir and takes over a dead one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-lock-'));
    const release = lockDataDir(dir, 'fleetstream');
    fs.writeFileSync(path.join(dir, 'launcher.pid'), '1\n'); // pid 1 is always alive
    expect(() => lockDataDir(dir, 'fleetstream')).toThrow(/already running \(pid 1/);
    fs.writeFileSync(path.join(dir, 'launcher.pid'), '999999999\n'); // no such process
    const again = lockDataDir(dir, 'fleetstream');
    again();
    release();
    expect(fs.existsSync(path.join(dir, 'launcher.pid'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
