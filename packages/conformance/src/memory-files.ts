import type { MemoryStorage } from '@frago/core';
import type { HttpTarget } from './http.js';

/** The HTTP suite's view of assembled files in a {@link MemoryStorage}. */
export function memoryFiles(storage: MemoryStorage): Pick<HttpTarget, 'readAssembled' | 'isInsideStorage'> {
  return {
    readAssembled: async (location) => {
      const bytes = storage.file(location);
      if (bytes === undefined) throw new Error(`no file at ${location}`);
      return bytes;
    },
    isInsideStorage: (location) => storage.file(location) !== undefined && !location.split('/').includes('..'),
  };
}
