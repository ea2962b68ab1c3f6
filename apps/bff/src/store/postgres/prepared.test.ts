import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openPostgres } from './client.ts';
import { literalLimit } from './prepared.ts';
import { users } from './schema.ts';

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

/**
 * `literalLimit` leans on how drizzle renders a limit (a chunk of SQL written as it is), which
 * its types do not promise: this fails first if a drizzle upgrade changes that.
 */
describe('literalLimit', () => {
  it('writes the row count into the statement, not as a parameter', async () => {
    // A pool connects on its first query only: building SQL needs no server.
    const { db, pool } = openPostgres('postgres://nobody@127.0.0.1:1/none');
    try {
      const query = db.select({ id: users.id }).from(users).limit(literalLimit(51)).toSQL();
      expect(query.sql).toMatch(/ limit 51$/);
      expect(query.params).toEqual([]);
      expect(() => literalLimit(-1)).toThrow(RangeError);
      expect(() => literalLimit(1.5)).toThrow(RangeError);
    } finally {
      await pool.end();
    }
  });
});
