/**
 * `read`'s answer, read again once it is `ms` old: meanwhile every caller gets the same one,
 * and callers at once share one read. A failed read is not kept.
 */
export function readAtMostEvery<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (last && now - last.at < ms) return last.answer;
    const answer = read();
    const kept = { at: now, answer };
    last = kept;
    answer.catch(() => {
      if (last === kept) last = undefined;
    });
    return answer;
  };
}
