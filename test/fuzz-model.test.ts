import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessSystem, MODEL_START } from './support/model-systems.js';
import { commandSequences, runAgainstModel } from './support/upload-model.js';

const RUNS = Number(process.env.FRAGO_FUZZ_RUNS ?? 300);

describe('model-based fuzzing, in-process (memory repository and storage)', () => {
  it(`matches the model over ${RUNS} random command sequences and never answers 5xx`, async () => {
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(commandSequences(60), async (commands) => {
        calls += await runAgainstModel(inProcessSystem(), commands, MODEL_START);
      }),
      { numRuns: RUNS },
    );
    console.log(`[fuzz] in-process: ${RUNS} sequences, ${calls} calls checked against the model`);
    expect(calls).toBeGreaterThan(RUNS);
  });
});
