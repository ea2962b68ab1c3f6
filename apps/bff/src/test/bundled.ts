import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The server and the command line as `pnpm build` ships them, bundled once per test file that
 * asks, for the tests that start them as processes: what runs in production, and started in a
 * fraction of a second where tsx took 2–8 s (it compiles the sources at every start). Built into
 * the run's directory (`bundles-setup.ts`), which goes when the run ends.
 */

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
let built: Promise<string> | undefined;

async function build(): Promise<string> {
  // Loaded here, not at the top: the bench imports the module beside this one, outside vitest.
  const { inject } = await import('vitest');
  const { bundle } = await import('../../scripts/bundle.mjs');
  // Named `dist`: the code looks for its migrations beside it there, as in the shipped bundle.
  const dist = path.join(mkdtempSync(path.join(inject('bundles'), 'bundle-')), 'dist');
  await bundle(path.relative(packageDir, dist));
  return dist;
}

/** The path of the bundled entry: `node <path> …` starts it. */
export async function bundled(entry: 'server' | 'cli'): Promise<string> {
  built ??= build();
  return path.join(await built, `${entry}.js`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's directory for bundles (`bundles-setup.ts`). */
    bundles: string;
  }
}
