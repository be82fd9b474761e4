import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp folder under os.tmpdir(); `cleanup()` removes it. */
export function tempDir(prefix = 'madoguchi-db-'): { dir: string; url: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    url: (name = 'test.db') => `file:${path.join(dir, name)}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
