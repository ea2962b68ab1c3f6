// The server, the command line and the workers (checkpoints, audit search) as one bundle each,
// with the migrations beside them: what `pnpm build` ships (build.mjs), and what the tests that
// start real processes run (src/test/bundled.ts).
import { cp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles into `outdir` (relative to this package), emptied first. The code finds its migrations beside it when that
 * directory is named `dist`; native addons stay in node_modules, so `outdir` must be inside
 * this package for Node to find them.
 */
export async function bundle(outdir) {
  const into = resolve(packageDir, outdir);
  await rm(into, { recursive: true, force: true });
  await build({
    entryPoints: {
      server: 'src/server.ts',
      cli: 'src/cli/main.ts',
      'checkpoint-worker': 'src/store/sqlite/checkpoint-worker.js',
      'audit-search-worker': 'src/store/sqlite/audit-search-worker.js',
      // Run below to write the OpenAPI documents, then removed: nothing starts it.
      api: 'src/api.ts',
    },
    absWorkingDir: packageDir,
    outdir: into,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Native addons stay in node_modules; everything else is bundled.
    external: ['better-sqlite3', '@node-rs/argon2'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const migrations = (from, to) => cp(join(packageDir, from), join(into, to), { recursive: true });
  await migrations('src/store/sqlite/migrations', 'migrations');
  await migrations('src/store/postgres/migrations', 'postgres-migrations');
  await writeOpenApiDocuments(into);
}

/**
 * The OpenAPI documents, with and without test mode's routes, built from the bundled routes and
 * written beside the server, which serves them: built at a request, each holds the event loop
 * 0.2–0.6 s, and built at start, it slows every start (ADR 050).
 */
async function writeOpenApiDocuments(into) {
  const api = join(into, 'api.js');
  const { openApiDocument, openApiFileName } = await import(pathToFileURL(api).href);
  for (const testMode of [false, true]) {
    await writeFile(join(into, openApiFileName(testMode)), openApiDocument(testMode));
  }
  await rm(api);
  await rm(`${api}.map`);
}
