import { randomBytes } from 'node:crypto';

/**
 * A consistent renaming of trace and span ids: the same recorded id always gets the same new
 * one, so parents, links and traces stay connected. For sending a recording again to a backend
 * that keeps the first copy of an id (Langfuse v4 duplicates re-sent span ids).
 */
export function freshIdMapper(): (id: string) => string {
  const ids = new Map<string, string>();
  return (id) => {
    let fresh = ids.get(id);
    if (fresh === undefined) {
      fresh = randomBytes(id.length / 2).toString('hex');
      ids.set(id, fresh);
    }
    return fresh;
  };
}
