import type { RunResult, Statement } from 'better-sqlite3';
import { Column, getTableName, is, Param, Placeholder, SQL } from 'drizzle-orm';

/**
 * The better-sqlite3 connection behind a drizzle handle (the database or a transaction on it),
 * or the handle itself when it is one.
 */
export function connectionOf(handle: object): object {
  return (handle as { session?: { client?: object } }).session?.client ?? handle;
}

/** What a hot statement offers: drizzle's own signatures, run without drizzle in between. */
export type Direct<P extends { get: unknown; all: unknown; run: unknown }> = Pick<
  P,
  'get' | 'all' | 'run'
>;

/**
 * Builds a query once per database connection and reuses it. Drizzle otherwise re-renders
 * the SQL and better-sqlite3 re-prepares the statement on every call, which dominated the
 * cost of the hot paths (see docs/decisions/009-performance.md). Keyed by the connection, not
 * the handle, so a statement prepared outside a transaction also serves inside one: with
 * better-sqlite3 everything runs synchronously on that one connection.
 *
 * The statement is then run directly (see `direct`): same SQL, same results.
 */
export function preparedPerHandle<H extends object, P extends Parameters<typeof direct>[0]>(
  build: (handle: H) => P,
): (handle: H) => Direct<P> {
  const cache = new WeakMap<object, Direct<P>>();
  return (handle) => {
    const key = connectionOf(handle);
    let prepared = cache.get(key);
    if (prepared === undefined) {
      prepared = direct(build(handle));
      cache.set(key, prepared);
    }
    return prepared;
  };
}

/** The parts of drizzle's better-sqlite3 prepared query that running it takes. */
interface DrizzlePrepared {
  stmt: Statement<unknown[]>;
  query: { params: unknown[] };
  fields?: { path: string[]; field: unknown }[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: unknown;
}

type Decode = ((value: unknown) => unknown) | null;

/** A mapping that is not the identity, or null: most columns hand the driver's value through. */
function decoderOf(field: unknown): Decode {
  type Decoder = { mapFromDriverValue(value: unknown): unknown };
  // An SQL expression's decoder is drizzle-internal in its types, public in its code.
  const decoder: Decoder = is(field, Column)
    ? field
    : (is(field, SQL)
        ? (field as unknown as { decoder: Decoder })
        : (field as { sql: { decoder: Decoder } }).sql
      ).decoder;
  if (decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue) return null;
  return (value) => decoder.mapFromDriverValue(value);
}

/** Turns `{ name: value }` into the statement's positional parameters, encoding as drizzle does. */
function compileParams(params: unknown[]): (values: Record<string, unknown>) => unknown[] {
  const slots = params.map((param) => {
    if (is(param, Placeholder)) return { name: param.name, encode: null };
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { encoder } = param;
      const identity = !encoder || encoder.mapToDriverValue === Column.prototype.mapToDriverValue;
      return {
        name: param.value.name,
        encode: identity ? null : (value: unknown) => encoder.mapToDriverValue(value),
      };
    }
    return { constant: param };
  });
  return (values) =>
    slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      if (!(slot.name in values)) {
        throw new Error(`No value for placeholder "${slot.name}" was provided`);
      }
      const value = values[slot.name];
      return slot.encode ? slot.encode(value) : value;
    });
}

interface Leaf {
  key: string;
  index: number;
  decode: Decode;
}
interface Group {
  key: string;
  columns: Leaf[];
  /** A left-joined table with no row: the whole object is null (drizzle's rule). */
  nullWhenNull: number | null;
}

/**
 * Maps a raw row (an array) to drizzle's result shape: top-level fields, and objects of a
 * table's columns, null when the table was left-joined and had no row. Built once per query,
 * where drizzle walks the field list and checks each field's class on every row.
 */
function compileRow(
  fields: NonNullable<DrizzlePrepared['fields']>,
  joinsNotNullableMap: Record<string, boolean> | undefined,
): (row: unknown[]) => Record<string, unknown> {
  const entries: (Leaf | Group)[] = [];
  const groups = new Map<string, Group & { table: string | null; mixed: boolean }>();
  fields.forEach(({ path, field }, index) => {
    const decode = decoderOf(field);
    const [head, leaf, ...deeper] = path as [string, string | undefined, ...string[]];
    if (deeper.length > 0)
      throw new Error(`Nested selections are not supported: ${path.join('.')}`);
    if (leaf === undefined) {
      entries.push({ key: head, index, decode });
      return;
    }
    let group = groups.get(head);
    if (!group) {
      group = { key: head, columns: [], nullWhenNull: null, table: null, mixed: false };
      groups.set(head, group);
      entries.push(group);
    }
    group.columns.push({ key: leaf, index, decode });
    if (is(field, Column)) {
      const table = getTableName(field.table);
      if (group.table === null) {
        group.table = table;
        group.nullWhenNull = index;
      } else if (group.table !== table) group.mixed = true;
    }
  });
  for (const group of groups.values()) {
    const nullable = joinsNotNullableMap !== undefined && group.table !== null && !group.mixed;
    if (!nullable || joinsNotNullableMap[group.table as string]) group.nullWhenNull = null;
  }

  const read = (row: unknown[], { index, decode }: Leaf) => {
    const value = row[index];
    return value === null || decode === null ? value : decode(value);
  };
  return (row) => {
    const result: Record<string, unknown> = {};
    for (const entry of entries) {
      if (!('columns' in entry)) {
        result[entry.key] = read(row, entry);
      } else if (entry.nullWhenNull !== null && row[entry.nullWhenNull] === null) {
        result[entry.key] = null;
      } else {
        const object: Record<string, unknown> = {};
        for (const column of entry.columns) object[column.key] = read(row, column);
        result[entry.key] = object;
      }
    }
    return result;
  };
}

/**
 * Runs a drizzle prepared query on its better-sqlite3 statement with the parameter filling and
 * row mapping compiled once. Drizzle does both again on every call, checking each field's
 * class as it goes: on the session check that was a fifth of the server's time. The SQL and
 * the results are drizzle's own; tests compare the two on joins, nulls, JSON and booleans.
 */
export function direct<P extends { get: unknown; all: unknown; run: unknown }>(
  prepared: P,
): Direct<P> {
  const inner = prepared as unknown as DrizzlePrepared;
  // Relational queries map rows their own way; leave them to drizzle.
  if (inner.customResultMapper) return prepared;
  const { stmt } = inner;
  const fill = compileParams(inner.query.params);
  const run = (values: Record<string, unknown> = {}): RunResult => stmt.run(...fill(values));
  if (!inner.fields) {
    return {
      run,
      get: (values: Record<string, unknown> = {}) => stmt.get(...fill(values)),
      all: (values: Record<string, unknown> = {}) => stmt.all(...fill(values)),
    } as Direct<P>;
  }
  const map = compileRow(inner.fields, inner.joinsNotNullableMap);
  const rows = stmt.raw(true);
  return {
    run,
    get: (values: Record<string, unknown> = {}) => {
      const row = rows.get(...fill(values)) as unknown[] | undefined;
      return row === undefined ? undefined : map(row);
    },
    all: (values: Record<string, unknown> = {}) =>
      (rows.all(...fill(values)) as unknown[][]).map(map),
  } as Direct<P>;
}
