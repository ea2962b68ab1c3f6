import { hashing } from './passwords.ts';

/**
 * Holds `count` of the password hashes' turns with work that ends when the test says, so a
 * test fills the line exactly: `started` once every turn is held, `release` ends them all.
 */
export function holdHashing(count: number) {
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  let begun = 0;
  let allBegun: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    allBegun = resolve;
  });
  const runs = Array.from({ length: count }, () =>
    hashing.run(async () => {
      begun += 1;
      if (begun === count) allBegun();
      await ended;
    }),
  );
  return {
    started,
    async release() {
      end();
      await Promise.all(runs);
    },
  };
}
