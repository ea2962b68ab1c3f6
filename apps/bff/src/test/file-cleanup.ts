/**
 * What a test file opened that must be closed when the file ends (pools, above all). Test files
 * share one module cache per worker (vitest `isolate: false`), so a helper's own `afterAll`
 * would run after the first file that imported it and never again: helpers register here, and
 * `test/per-file-setup.ts`, which runs before every file, closes them after each.
 */
const cleanups: (() => unknown)[] = [];

export function afterThisFile(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

export async function cleanUpThisFile(): Promise<void> {
  await Promise.all(cleanups.splice(0).map(async (cleanup) => cleanup()));
}
