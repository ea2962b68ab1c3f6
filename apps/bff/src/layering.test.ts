import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

/** Modules (relative to apps/bff/src, the portal's too) importing a specifier that the layering refuses. */
const refused: [string, string][] = [
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
  // The portal: a feature imports no other's files, however the path reaches them.
  ['../../portal/src/features/auth/x.ts', '../users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../app/routes.tsx'],
  ['../../portal/src/features/auth/api/x.ts', '../../users/api/list-users.ts'],
  ['../../portal/src/features/auth/api/x.ts', '../../../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/api/x.ts', '../../../../../bff/src/app.ts'],
  // Down into lib/ or components/ and back up again (review).
  ['../../portal/src/features/auth/x.ts', '../../lib/../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/api/x.ts', '../../../components/../app/routes.tsx'],
  ['../../portal/src/features/auth/x.ts', './../../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../lib/sub/../../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../lib/./../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../lib//../features/users/api/list-users.ts'],
  ['../../portal/src/features/auth/x.ts', '../../components/x/../../app/routes.tsx'],
  [
    '../../portal/src/features/auth/api/x.ts',
    '../../../lib/a/../../features/users/api/list-users.ts',
  ],
  ['../../portal/src/features/auth/api/x.ts', './../../users/api/list-users.ts'],
];

/** And imports it allows. */
const allowed: [string, string][] = [
  ['lib/x.ts', '../store/rows.ts'],
  ['features/auth/x.ts', '../../store/rows.ts'],
  ['store/sqlite/x.ts', '../../lib/clock.ts'],
  ['../../portal/src/features/auth/x.ts', '../../lib/api.ts'],
  ['../../portal/src/features/auth/api/x.ts', '../../../components/form.tsx'],
  ['../../portal/src/features/auth/api/x.ts', '../labels.ts'],
  ['../../portal/src/features/auth/x.ts', './labels.ts'],
  ['../../portal/src/features/auth/api/x.ts', './sign-in.ts'],
  ['../../portal/src/features/auth/x.ts', './api/sign-in.ts'],
  ['../../portal/src/features/auth/api/x.ts', '../../../lib/forms/field.tsx'],
];

/** What `biome lint` says of each probe, by its path from the repository's root. */
const verdicts = new Map<string, string>();

/** The probe module of the `i`th case, at its `file`. */
const probeOf = (file: string, i: number) =>
  path.join(here, file.replace(/\.ts$/, `.layering-probe-${process.pid}-${i}.ts`));

/**
 * What `pnpm lint` says of modules placed at each case's file importing its specifier: the
 * layering rules of biome.json, checked on real files, all in one run of Biome, then removed.
 */
beforeAll(() => {
  const cases = [...refused, ...allowed];
  const probes = cases.map(([file, specifier], i) => {
    const probe = probeOf(file, i);
    writeFileSync(
      probe,
      `import * as imported from '${specifier}';\n\nexport const probe = imported;\n`,
    );
    return probe;
  });
  let output: string;
  try {
    output = execFileSync('npx', ['biome', 'lint', '--reporter=json', ...probes], {
      cwd: repoRoot,
      stdio: 'pipe',
    }).toString();
  } catch (error) {
    // Biome exits non-zero when it reports an error; its report is still on stdout.
    output = String((error as { stdout?: Buffer }).stdout ?? '');
  } finally {
    for (const probe of probes) rmSync(probe, { force: true });
  }
  const report = JSON.parse(output) as {
    diagnostics: { category: string; location: { path: string } }[];
  };
  for (const probe of probes) {
    const at = path.relative(repoRoot, probe);
    const categories = new Set(
      report.diagnostics.filter((d) => d.location.path === at).map((d) => d.category),
    );
    const refusal = 'lint/style/noRestrictedImports';
    const others = [...categories].filter((category) => category !== refusal);
    // Anything else Biome says of a probe is reported as it is, to fail the case.
    verdicts.set(
      at,
      others.length > 0 ? others.join(', ') : categories.has(refusal) ? 'refused' : 'allowed',
    );
  }
});

const verdictOf = (file: string, i: number) =>
  verdicts.get(path.relative(repoRoot, probeOf(file, i)));

describe('layering (biome.json, part of pnpm lint)', () => {
  it.each(refused.map(([file, specifier], i) => [file, specifier, i] as const))(
    'refuses %s importing %s',
    (file, _specifier, i) => {
      expect(verdictOf(file, i)).toBe('refused');
    },
  );

  it.each(allowed.map(([file, specifier], i) => [file, specifier, refused.length + i] as const))(
    'allows %s importing %s',
    (file, _specifier, i) => {
      expect(verdictOf(file, i)).toBe('allowed');
    },
  );
});
