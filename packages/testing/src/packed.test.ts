import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The kit as a customer installs it: the three packages packed as `pnpm publish` would pack
 * them, installed from the tarballs into a project outside the workspace, loaded by Node and
 * type-checked by the customer's own tsc (ADR 047).
 */

const execFileAsync = promisify(execFile);

/** Runs a command; when it fails, the error says what it printed (tsc prints to stdout). */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

const packagesDir = fileURLToPath(new URL('../..', import.meta.url));
const packed = ['contracts', 'api-client', 'testing'] as const;
type Packed = (typeof packed)[number];

let tmp = '';
let consumer = '';
const tarballs = {} as Record<Packed, string>;
/** Each tarball's files, unpacked: `<dir>/package/...`. */
const unpacked = {} as Record<Packed, string>;

/** The README's complete spec, and what else a customer's spec touches. */
const consumerSpec = `import { expect, test, type TestPersona } from '@onbehalf/testing';

test('a team admin impersonates a member until the clock runs out', async ({
  page,
  org,
  signIn,
  clock,
  pageApi,
}) => {
  const member: TestPersona = org.members[0];
  await signIn(page, org.admin);
  await page.goto('/team');
  await page.getByRole('button', { name: \`Impersonate account: \${member.name}\` }).click();
  await page.getByRole('button', { name: 'Start impersonation' }).click();
  const { session } = await pageApi(page).auth.session();
  const actingFor: string | undefined = session.user?.email;
  expect(actingFor).toBe(member.email);
  await clock.advance(61 * 60_000);
  await page.reload();
  await expect(page.getByRole('region', { name: 'Impersonation' })).toBeHidden();
  // @ts-expect-error: the published types are real, not any
  await clock.advance('an hour');
});
`;

function version(packageDir: string, name: string): string {
  const manifest = path.join(packagesDir, packageDir, 'node_modules', name, 'package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

function removeBuilds() {
  for (const name of packed) {
    rmSync(path.join(packagesDir, name, 'dist'), { recursive: true, force: true });
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'onbehalf-kit-'));
  // `pnpm pack` packs what `files` names from the package's own directory and rewrites
  // `workspace:` and `catalog:` only there, so the build goes to each package's `dist` (git
  // ignores it), built afresh by `prepack`, and is removed when the tests end.
  removeBuilds();
  for (const name of packed) {
    const destination = path.join(tmp, 'tarballs', name);
    await run('pnpm', ['pack', '--pack-destination', destination], path.join(packagesDir, name));
    const [tarball] = readdirSync(destination);
    if (!tarball) throw new Error(`pnpm pack made no tarball for ${name}`);
    tarballs[name] = path.join(destination, tarball);
    unpacked[name] = path.join(tmp, 'unpacked', name);
    mkdirSync(unpacked[name], { recursive: true });
    await run('tar', ['-xzf', tarballs[name], '-C', unpacked[name]], tmp);
  }

  consumer = path.join(tmp, 'consumer');
  mkdirSync(path.join(consumer, 'specs'), { recursive: true });
  // The workspace's own versions, so the install finds them in its store (the registry is asked
  // only for what a fresh machine's cache lacks).
  const devDependencies = {
    '@onbehalf/testing': `file:${tarballs.testing}`,
    '@playwright/test': version('testing', '@playwright/test'),
    '@types/node': version('testing', '@types/node'),
    typescript: version('testing', 'typescript'),
    zod: version('contracts', 'zod'),
  };
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', devDependencies }, null, 2),
  );
  // The kit's tarball asks for the other two by version, as from a registry: point them at
  // their tarballs. pnpm reads overrides from pnpm-workspace.yaml (no longer package.json).
  writeFileSync(
    path.join(consumer, 'pnpm-workspace.yaml'),
    [
      'overrides:',
      `  "@onbehalf/contracts": ${JSON.stringify(`file:${tarballs.contracts}`)}`,
      `  "@onbehalf/api-client": ${JSON.stringify(`file:${tarballs['api-client']}`)}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        strict: true,
        types: ['node'],
        noEmit: true,
        // The published declarations are checked too: an import in them that does not
        // resolve is an error, not an `any`.
        skipLibCheck: false,
      },
      include: ['specs'],
    }),
  );
  writeFileSync(path.join(consumer, 'specs', 'kit.spec.ts'), consumerSpec);

  // The workspace's store, named: where the temporary directory is on another disk, pnpm
  // would otherwise look in a store of that disk's own.
  const store = (await run('pnpm', ['store', 'path'], packagesDir)).trim();
  await run('pnpm', ['install', '--prefer-offline', '--store-dir', store], consumer);
}, 180_000);

afterAll(() => {
  removeBuilds();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the kit packed as a customer installs it', () => {
  it('packs built JavaScript and declarations only', () => {
    for (const name of packed) {
      const files = filesUnder(path.join(unpacked[name], 'package'));
      expect(files, name).toContain('package.json');
      expect(files.filter((file) => file.startsWith('dist/')).length, name).toBeGreaterThan(0);
      for (const file of files) {
        expect(file, name).toMatch(/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/);
        expect(file, name).not.toMatch(/\.test\./);
      }
    }
  });

  it('asks for published versions and exports the build', () => {
    for (const name of packed) {
      const manifest = JSON.parse(
        readFileSync(path.join(unpacked[name], 'package', 'package.json'), 'utf8'),
      );
      expect(manifest.private, name).toBeUndefined();
      const text = JSON.stringify({ ...manifest, scripts: undefined });
      expect(text, name).not.toMatch(/workspace:|catalog:|src\//);
      for (const target of Object.values(manifest.exports)) {
        expect(target, name).toEqual({
          types: expect.stringMatching(/^\.\/dist\/.+\.d\.ts$/),
          default: expect.stringMatching(/^\.\/dist\/.+\.js$/),
        });
      }
    }
  });

  it('imports only what the tarball holds or its manifest names, as Node resolves them', () => {
    const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;
    for (const name of packed) {
      const root = path.join(unpacked[name], 'package');
      const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      const files = filesUnder(root);
      for (const file of files.filter((file) => file.startsWith('dist/'))) {
        const text = readFileSync(path.join(root, file), 'utf8');
        for (const [, , imported = ''] of text.matchAll(specifier)) {
          const where = `${name}/${file}: ${imported}`;
          expect(imported, where).not.toMatch(/\.[mc]?tsx?$/);
          if (imported.startsWith('.')) {
            const target = path.join(path.dirname(file), imported);
            expect(files, where).toContain(target);
          } else if (!imported.startsWith('node:')) {
            const [scope = '', base = ''] = imported.split('/');
            expect(declared, where).toContain(scope.startsWith('@') ? `${scope}/${base}` : scope);
          }
        }
      }
    }
  });

  it('loads in Node with the fixtures', async () => {
    const script = `
      const kit = await import('@onbehalf/testing');
      const base = await import('@playwright/test');
      console.log(JSON.stringify({
        exports: Object.keys(kit).sort(),
        test: typeof kit.test,
        extend: typeof kit.test.extend,
        extended: kit.test !== base.test,
        expect: kit.expect === base.expect,
      }));
    `;
    const loaded = await run(process.execPath, ['--input-type=module', '-e', script], consumer);
    expect(JSON.parse(loaded)).toEqual({
      exports: ['expect', 'test'],
      test: 'function',
      extend: 'function',
      extended: true,
      expect: true,
    });
    // Playwright itself loads the spec: a fixture the kit's test lacks is an error here.
    const playwright = path.join(consumer, 'node_modules', '.bin', 'playwright');
    const listed = await run(playwright, ['test', '--list'], consumer);
    expect(listed).toContain('a team admin impersonates a member until the clock runs out');
    expect(listed).toContain('1 test in 1 file');
  }, 60_000);

  it('type-checks a spec with the published types', async () => {
    const tsc = path.join(consumer, 'node_modules', '.bin', 'tsc');
    await run(tsc, ['-p', 'tsconfig.json'], consumer);
  }, 60_000);
});
