// setTrace / withTrace / getTrace / getTraceId belong to @lazytrace/core; config re-exports them
// so an application that only imports config has them (one function each, not a wrapper).
export { getTrace, getTraceId, setTrace, withTrace } from '@lazytrace/core';
