/**
 * Thrown inside a command's transaction when its compare-and-set found the row already taken,
 * so that everything the command wrote before it rolls back; the adapter catches it and answers
 * `'lost_race'`. Never leaves an adapter.
 */
export class LostRace extends Error {
  constructor() {
    super('Another request claimed it first');
  }
}

/** Runs a command whose transaction throws `LostRace` on a lost compare-and-set. */
export async function orLostRace<T>(run: () => T | Promise<T>): Promise<T | 'lost_race'> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LostRace) return 'lost_race';
    throw error;
  }
}
