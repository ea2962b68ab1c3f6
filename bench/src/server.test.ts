import { describe, expect, it } from 'vitest';
import { whereThingsAre } from '../../apps/bff/src/test/server-processes.ts';
import { nodeFlagsOf, PRODUCTION_NODE_FLAGS } from './server.ts';

describe('the server as pnpm start runs it', () => {
  it('takes the Node flags from the start script', () => {
    expect(nodeFlagsOf('node dist/server.js')).toEqual([]);
    expect(nodeFlagsOf('node --a=1 --b dist/server.js')).toEqual(['--a=1', '--b']);
    expect(() => nodeFlagsOf('tsx src/server.ts')).toThrow(/Unexpected start script/);
  });

  it("runs the bench's server with apps/bff's start flags, and never with a heap cap", () => {
    expect(PRODUCTION_NODE_FLAGS.some((flag) => flag.startsWith('--max-semi-space-size='))).toBe(
      true,
    );
    expect(PRODUCTION_NODE_FLAGS).toContain('--heap-growing-percent=50');
    expect(PRODUCTION_NODE_FLAGS.some((flag) => flag.startsWith('--max-old-space-size'))).toBe(
      false,
    );
  });

  it("takes nothing from the caller's environment but where things are (as e2e's does)", () => {
    const shell = {
      PATH: '/usr/bin',
      HOME: '/root',
      DATABASE_URL: 'postgres://prod.example/onbehalf',
      ONBEHALF_SECRET: 'x'.repeat(43),
      SMTP_URL: 'smtp://mail.example',
      NODE_ENV: 'development',
    };
    expect(whereThingsAre(shell)).toEqual({ PATH: '/usr/bin', HOME: '/root' });
  });
});
