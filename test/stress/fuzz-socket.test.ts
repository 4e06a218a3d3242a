import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODEL_START, socketSystem } from '../support/model-systems.js';
import { commandSequences, runAgainstModel } from '../support/upload-model.js';

const RUNS = Number(process.env.FRAGO_FUZZ_SOCKET_RUNS ?? 40);

describe('model-based fuzzing over a socket (Express, SQLite and disk)', () => {
  it(`matches the model over ${RUNS} random command sequences and never answers 5xx`, async () => {
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(commandSequences(40), async (commands) => {
        const system = await socketSystem();
        try {
          calls += await runAgainstModel(system, commands, MODEL_START);
        } finally {
          await system.close();
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`[fuzz] socket + SQLite: ${RUNS} sequences, ${calls} calls checked against the model`);
    expect(calls).toBeGreaterThan(RUNS);
  });
});
