export { viewerAssetsDir, viewerIsBuilt } from './assets-dir.js';
export { embedJson, type OfflineReportData, renderOfflineReport } from './offline-report.js';
