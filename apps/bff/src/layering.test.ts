import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

/**
 * What `pnpm lint` says of a module placed at `file` (relative to apps/bff/src) importing
 * `specifier`: the layering rules of biome.json, checked on a real file, then removed.
 */
function lintImport(file: string, specifier: string): string {
  const probe = path.join(here, file.replace(/\.ts$/, `.layering-probe-${process.pid}.ts`));
  writeFileSync(
    probe,
    `import * as imported from '${specifier}';\n\nexport const probe = imported;\n`,
  );
  try {
    execFileSync('npx', ['biome', 'lint', probe], { cwd: repoRoot, stdio: 'pipe' });
    return 'allowed';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const output = `${stdout ?? ''}${stderr ?? ''}`;
    return output.includes('noRestrictedImports') ? 'refused' : output;
  } finally {
    rmSync(probe, { force: true });
  }
}

describe('layering (biome.json, part of pnpm lint)', () => {
  it.each([
    ['lib/x.ts', '../store/sqlite/client.ts'],
    ['lib/x.ts', '../store/postgres/client.ts'],
    ['lib/x.ts', '../features/auth/auth.service.ts'],
    ['features/auth/x.ts', '../../store/sqlite/client.ts'],
    ['features/auth/x.ts', '../../store/postgres/schema.ts'],
    ['http/x.ts', '../store/sqlite/client.ts'],
    ['middleware/x.ts', '../store/postgres/client.ts'],
    ['middleware/x.ts', '../features/auth/auth.service.ts'],
    ['domain/x.ts', '../lib/clock.ts'],
    ['store/sqlite/x.ts', '../../middleware/session.ts'],
  ])('refuses %s importing %s', (file, specifier) => {
    expect(lintImport(file, specifier)).toBe('refused');
  });

  it.each([
    ['lib/x.ts', '../store/rows.ts'],
    ['features/auth/x.ts', '../../store/rows.ts'],
    ['store/sqlite/x.ts', '../../lib/clock.ts'],
  ])('allows %s importing %s', (file, specifier) => {
    expect(lintImport(file, specifier)).toBe('allowed');
  });
});
