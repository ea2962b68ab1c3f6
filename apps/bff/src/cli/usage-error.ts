/** The command was called wrongly: said on stderr with how to call it, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
