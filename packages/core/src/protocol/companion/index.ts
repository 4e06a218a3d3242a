export { createCompanionHandler, type CompanionOptions } from './handler.js';
