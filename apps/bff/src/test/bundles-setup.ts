import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * A directory for the bundles the tests that start processes build (`bundled.ts`), removed with
 * whatever was built into it when the run ends, since a test worker may end without running its
 * exit handlers. Under this package's node_modules, where Node finds the native addons that a
 * bundle leaves out.
 */
export default function setup(project: TestProject) {
  const cache = fileURLToPath(new URL('../../node_modules/.cache', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'onbehalf-test-bundles-'));
  project.provide('bundles', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
