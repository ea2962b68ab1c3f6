import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { expect, test } from '@playwright/test';

/** Every file under `dir`. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );

/** The contents of every entry of a zip file, read through its central directory. */
function unzipped(file: string): Buffer[] {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const contents: Buffer[] = [];
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    contents.push(method === 8 ? inflateRawSync(data) : data);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return contents;
}

// A customer's CI keeps traces and reports; anyone who can download them must not find the
// test mode key of the server they ran against there (found by a review of the kit).
test('a suite on the kit, traced and reported, keeps no test mode key in its artifacts', () => {
  const key = process.env.ONBEHALF_TEST_MODE_KEY;
  expect(key, 'the suite runs its server with a key (global-setup.ts)').toBeTruthy();
  const out = mkdtempSync(path.join(tmpdir(), 'onbehalf-kit-traced-'));
  try {
    execFileSync(
      process.execPath,
      [
        createRequire(import.meta.url).resolve('@playwright/test/cli'),
        'test',
        '-c',
        'kit-traced/playwright.config.ts',
      ],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, KIT_ARTIFACTS: out },
        stdio: 'pipe',
      },
    );
    const zips = filesUnder(out).filter((file) => file.endsWith('.zip'));
    // The trace, and the report's copy of it.
    expect(zips.length).toBeGreaterThanOrEqual(2);
    const artifacts = [...zips.flatMap(unzipped), ...filesUnder(out).map((f) => readFileSync(f))];
    // The suite's own requests are in the trace; the key the kit sent is nowhere.
    expect(artifacts.some((content) => content.includes('/api/public/auth/sign-in'))).toBe(true);
    const holdingTheKey = artifacts.filter((content) => content.includes(key as string));
    expect(holdingTheKey.length, 'artifacts holding the test mode key').toBe(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
