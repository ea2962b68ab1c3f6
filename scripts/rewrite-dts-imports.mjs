// After `tsc` builds a package to publish: tsc rewrites `./x.ts` to `./x.js` in the JavaScript
// it emits but leaves the declarations' imports as written (microsoft/TypeScript#61037), so the
// published types would name source files the tarball does not hold. Rewrite them the same way.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node rewrite-dts-imports.mjs <dist directory>');

// `from './x.ts'`, `import('./x.ts')`, `import './x.ts'`; relative paths only, not `.d.ts`.
const relativeTs =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*?)(?<!\.d)\.([mc]?)tsx?\2/g;

for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.d\.[mc]?ts$/.test(entry.name)) continue;
  const file = path.join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(relativeTs, '$1$2$3.$4js$2');
  if (rewritten !== text) writeFileSync(file, rewritten);
}
