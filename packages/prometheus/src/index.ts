export * from './instrumentation.js';
export * from './metrics.js';
