export { FragoModule, type FragoModuleAsyncOptions, type FragoModuleOptions } from './module.js';
