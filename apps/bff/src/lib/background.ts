/**
 * Work done after the response, so that how long a request takes tells a caller nothing
 * (e.g. whether an email address has an account). Tests wait for it with `idle()`.
 */
export function createBackground(onError: (error: unknown) => void = (e) => console.error(e)) {
  const running = new Set<Promise<unknown>>();
  return {
    run(task: () => Promise<unknown> | unknown): void {
      const promise = new Promise((resolve) => setImmediate(resolve))
        .then(task)
        .catch(onError)
        .finally(() => running.delete(promise));
      running.add(promise);
    },
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
