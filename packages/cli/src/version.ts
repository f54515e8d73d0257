/** Kept in step with package.json by hand (a test checks it). */
export const VERSION = '0.1.0';
