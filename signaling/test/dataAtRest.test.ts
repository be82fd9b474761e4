import { chmodSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { placeCall } from './callFlow.ts';
import { png } from './images.ts';
import { startTestServer, type TestServer } from './harness.ts';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('data at rest is readable by the server’s user only', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates the database, its WAL and the stills private', async () => {
    expect(modeOf(t.databaseFile)).toBe('600');
    expect(modeOf(`${t.databaseFile}-wal`)).toBe('600');
    const call = await placeCall(t);
    const { requestId } = await call.operator.request('still:capture', { consultationId: call.consultationId });
    const upload = await fetch(`${t.server.url}/api/stills?consultationId=${call.consultationId}&requestId=${requestId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.deviceToken('清滝郵便局')}`, 'content-type': 'image/png' },
      body: new Uint8Array(png(64, 48)),
    });
    expect(upload.status).toBe(201);
    const { still } = (await upload.json()) as { still: { id: string } };
    expect(modeOf(t.config.stills.dir)).toBe('700');
    expect(modeOf(join(t.config.stills.dir, `${still.id}.png`))).toBe('600');
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    call.device.close();
    call.operator.close();
  });

  it('repairs wider modes at start-up with a warning, and leaves symbolic links alone', async () => {
    const { dataDir } = t.config;
    const stillsDir = t.config.stills.dir;
    const secrets = ['jwt-secret', 'device-tokens.txt', 'demo-accounts.txt'].map((name) => join(dataDir, name));
    for (const file of secrets) writeFileSync(file, 'secret\n', { mode: 0o644 });
    const oldStill = join(stillsDir, 'restored-from-backup.png');
    writeFileSync(oldStill, png(8, 8), { mode: 0o644 });
    const elsewhere = join(t.databaseFile, '..', 'not-ours.txt');
    writeFileSync(elsewhere, 'someone else’s', { mode: 0o644 });
    symlinkSync(elsewhere, join(dataDir, 'link-to-elsewhere'));
    for (const [path, mode] of [[dataDir, 0o755], [stillsDir, 0o777], [t.databaseFile, 0o644], ...secrets.map((file) => [file, 0o644] as const), [oldStill, 0o666]] as const) {
      chmodSync(path, mode);
    }

    const warn = vi.spyOn(console, 'warn');
    await t.restart();
    const warnings = warn.mock.calls.map((args) => args.join(' ')).filter((line) => line.includes('data-at-rest'));
    warn.mockRestore();

    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(stillsDir)).toBe('700');
    for (const file of [t.databaseFile, ...secrets, oldStill]) expect(modeOf(file), file).toBe('600');
    expect(modeOf(elsewhere)).toBe('644'); // reached only through a link: not ours to change
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('now private');
    expect(warnings[0]).toContain('jwt-secret (644 → 600)');
    // The server works on after the repair.
    expect((await fetch(`${t.server.url}/api/health`)).status).toBe(200);
  });
});
