// Loaded into the server with `--require` by `pnpm bench`, for its synchronous=NORMAL pass
// only. The server always opens SQLite with `synchronous = FULL` (apps/bff/src/db/client.ts)
// and has no setting for it, so this turns that one pragma call into `synchronous = NORMAL`
// and leaves every other call as it is. It writes the level the connection then reports
// (1 = NORMAL) to the file named by BENCH_SYNCHRONOUS_MARKER, so the bench knows it took.
const { writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');

// The copy of better-sqlite3 the server itself loads (resolved from its entry file).
const Database = createRequire(process.env.BENCH_SERVER_ENTRY ?? __filename)('better-sqlite3');
const pragma = Database.prototype.pragma;
Database.prototype.pragma = function (source, options) {
  if (!/^\s*synchronous\s*=\s*full\s*$/i.test(source)) return pragma.call(this, source, options);
  const result = pragma.call(this, 'synchronous = NORMAL', options);
  const marker = process.env.BENCH_SYNCHRONOUS_MARKER;
  if (marker) writeFileSync(marker, String(pragma.call(this, 'synchronous', { simple: true })));
  return result;
};
