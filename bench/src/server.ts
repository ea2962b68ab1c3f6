import { spawn } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { whereThingsAre } from '../../apps/bff/src/test/server-processes.ts';

/**
 * The Node flags in a `start` script (`node <flags> dist/server.js`), so the bench runs the server
 * exactly as `pnpm start` does. Throws on a script of another shape rather than guess.
 */
export function nodeFlagsOf(startScript: string): string[] {
  const words = startScript.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/server.js') {
    throw new Error(`Unexpected start script for the server: ${startScript}`);
  }
  return words.slice(1, -1);
}

/**
 * The Node flags `pnpm start` runs the server with, read from apps/bff/package.json. There is
 * no heap cap (SPEC §8b: no memory cap makes an ordinary request fatal); memory per request is
 * bounded by the page size instead, and RSS is measured here.
 */
export const PRODUCTION_NODE_FLAGS: string[] = nodeFlagsOf(
  JSON.parse(
    readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '../../apps/bff/package.json'),
      'utf8',
    ),
  ).scripts.start,
);

export interface RunningServer {
  origin: string;
  /** Milliseconds from spawn to the first 200 from /api/health. */
  coldStartMs: number;
  stop(): Promise<void>;
  rssMiB(): number;
  /** Samples RSS until stopped; `stop` returns the most seen, in MiB. */
  sampleRss(intervalMs?: number): { stop(): number };
  /** CPU time the server process has used so far (user + system), in milliseconds. */
  cpuMs(): number;
}

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/**
 * The fields of /proc/<pid>/stat from the third (the state) on: the command name in the second
 * may hold spaces. Index 1 is the parent's pid, 11–14 utime, stime, cutime and cstime in ticks.
 */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time (user + system) of a process and of all its children, living or ended (those it
 * has waited for count in its own cutime and cstime): a PostgreSQL server's postmaster and
 * every backend, past ones included. Milliseconds.
 */
export function processTreeCpuMs(pid: number): number {
  const own = statFields(pid);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended while the list was read
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * The demo accounts' password on the bench's servers: they run with NODE_ENV=production, which
 * seeds the demo only with a password of the operator's own, never the published one.
 */
export const DEMO_PASSWORD = 'bench-demo-password';

/** Starts the production build; resolves once /api/health answers 200 (bounded). */
export async function startServer(options: {
  entry: string;
  cwd: string;
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  /** Node flags for this start only, before BENCH_SERVER_NODE_ARGS. */
  nodeArgs?: string[];
}): Promise<RunningServer> {
  const origin = `http://127.0.0.1:${options.port}`;
  const started = performance.now();
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = [
    ...PRODUCTION_NODE_FLAGS,
    ...(options.nodeArgs ?? []),
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = spawn(process.execPath, [...nodeArgs, options.entry], {
    cwd: options.cwd,
    env: {
      ...whereThingsAre(process.env),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATA_DIR: options.dataDir,
      PUBLIC_ORIGIN: origin,
      ONBEHALF_DEMO_PASSWORD: DEMO_PASSWORD,
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/api/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server did not become healthy within 30 s');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const coldStartMs = performance.now() - started;
  const rssMiB = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  };
  return {
    origin,
    coldStartMs,
    rssMiB,
    sampleRss: (intervalMs = 50) => {
      let max = rssMiB();
      const timer = setInterval(() => {
        if (child.exitCode === null) max = Math.max(max, rssMiB());
      }, intervalMs);
      timer.unref();
      return {
        stop: () => {
          clearInterval(timer);
          if (child.exitCode === null) max = Math.max(max, rssMiB());
          return max;
        },
      };
    },
    cpuMs: () => {
      const fields = statFields(child.pid as number);
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * What one sync costs on the disk that holds `dir`: a 4 KiB write then `fsync`, as SQLite
 * appends a WAL frame and syncs the WAL at a commit under synchronous=FULL. Milliseconds.
 */
export function syncLatency(dir: string, samples = 200): { medianMs: number; p99Ms: number } {
  const file = path.join(dir, 'bench-sync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      writeSync(fd, block, 0, block.length, (i % 64) * block.length);
      fsyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}
