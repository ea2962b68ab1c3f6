import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileAnchorStorage } from './audit-anchor.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the anchor file', () => {
  it('is replaced whole, owner-only, through a temporary file of its own process', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-anchor-'));
    dirs.push(dir);
    // Another process sharing this DATA_DIR is writing the anchor at the same moment.
    mkdirSync(path.join(dir, 'audit-head.json.tmp'));
    const storage = fileAnchorStorage(dir);
    storage.write({ id: 7, hash: 'h7' });
    storage.write({ id: 8, hash: 'h8' });
    expect(storage.read()).toEqual({ id: 8, hash: 'h8' });
    expect(statSync(path.join(dir, 'audit-head.json')).mode & 0o777).toBe(0o600);
    // Nothing of this process's own is left behind.
    expect(readdirSync(dir).sort()).toEqual(['audit-head.json', 'audit-head.json.tmp']);
  });
});
