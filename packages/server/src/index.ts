// Public API of @lazytrace/server. Explicit named exports only.
export { readServeDiscovery, type ServeDiscovery } from './discovery.js';
export { parseDuration } from './duration.js';
export { openStore, SPANS_TABLE_COLUMNS, type SqlResult, type StoreHandle } from './open-store.js';
export {
  DEFAULT_DB,
  DEFAULT_FILE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  type RunningServer,
  type ServerOptions,
  startServer,
} from './server.js';
export { StoreLockedError } from './store/database.js';
export { DEFAULT_MAX_SPANS } from './store/store.js';
