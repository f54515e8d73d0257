/**
 * An async iterable whose pulls settle only when the test says so (`settle[i](result)` settles the
 * i-th `next()`), in any order: a source an SDK reading a shared queue could be.
 */
export function manualSource<T>(): {
  source: AsyncIterable<T> & AsyncIterator<T>;
  settle: ((result: IteratorResult<T>) => void)[];
} {
  const settle: ((result: IteratorResult<T>) => void)[] = [];
  const source = {
    [Symbol.asyncIterator]() {
      return source;
    },
    next: () => new Promise<IteratorResult<T>>((resolve) => settle.push(resolve)),
  };
  return { source, settle };
}
