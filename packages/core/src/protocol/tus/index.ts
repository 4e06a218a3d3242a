export { createTusHandler, type TusOptions } from './handler.js';
