/** Version of @lazytrace/core, reported as the tracer's instrumentation scope version. */
export const VERSION = '0.1.0';
