// Bundles the server into dist/ so production starts one file with no TypeScript at run time.
import { cp, rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    server: 'src/server.ts',
    cli: 'src/cli/main.ts',
    'checkpoint-worker': 'src/store/sqlite/checkpoint-worker.js',
  },
  outdir: 'dist',
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
await cp('src/store/sqlite/migrations', 'dist/migrations', { recursive: true });
await cp('src/store/postgres/migrations', 'dist/postgres-migrations', { recursive: true });
