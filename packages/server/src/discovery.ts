import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** What a running service writes beside its database file: `<db>.serve.json`. */
export interface ServeDiscovery {
  url: string;
  pid: number;
  db: string;
}

/** `<db>.serve.json`: lets `lazytrace sql` find the service that holds the database. */
export function discoveryPath(db: string): string {
  return `${db}.serve.json`;
}

export function writeDiscovery(db: string, url: string): void {
  const info: ServeDiscovery = { url, pid: process.pid, db };
  writeFileSync(discoveryPath(db), `${JSON.stringify(info)}\n`);
}

/** Removes the file if it is still ours (a later service on the same file may have replaced it). */
export function removeDiscovery(db: string): void {
  if (readServeDiscovery(db)?.pid === process.pid) rmSync(discoveryPath(db), { force: true });
}

/** The running service for this database, or undefined (no file, unreadable, or its process is gone). */
export function readServeDiscovery(db: string): ServeDiscovery | undefined {
  let info: ServeDiscovery;
  try {
    info = JSON.parse(readFileSync(discoveryPath(db), 'utf8')) as ServeDiscovery;
  } catch {
    return undefined;
  }
  if (typeof info?.url !== 'string' || !Number.isInteger(info.pid)) return undefined;
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    // EPERM: alive but another user's; ESRCH: gone (a service that crashed left the file).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return info;
}
