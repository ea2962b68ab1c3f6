import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Named statements share one namespace per connection: two different statements under one name
 * fail at run time ("Prepared statements must be unique"), on whichever request meets the second.
 */
describe('the PostgreSQL adapter’s named statements', () => {
  it('each has a name of its own', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const names = readdirSync(here)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) =>
        // A name in quotes, or a template's (a page's, per planned size) up to its first value.
        [
          ...readFileSync(join(here, file), 'utf8').matchAll(/\.prepare\((?:'([^']+)'|`([^`$]+))/g),
        ].map((match) => match[1] ?? match[2]),
      );
    expect(names.length).toBeGreaterThan(20);
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    expect(repeated).toEqual([]);
  });
});
