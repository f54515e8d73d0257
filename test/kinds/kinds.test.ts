import { attributes as A, KIND_FACTS, kindFacts } from '@lazytrace/core';
import { LANGFUSE_ATTRIBUTES } from '@lazytrace/langfuse';
import { kindOf } from '@lazytrace/traces';
import { describe, expect, it } from 'vitest';

// @lazytrace/traces reads spans from any producer and has no runtime dependency on core, so it
// keeps its own reverse mapping (operation or Langfuse type → kind). This keeps the two agreeing.
describe('the kind table', () => {
  const known = Object.keys(KIND_FACTS);

  it("@lazytrace/traces reads every kind's GenAI operation back as that kind", () => {
    for (const kind of known) {
      const operation = kindFacts(kind).genAiOperation;
      if (operation === undefined) continue;
      expect(kindOf({ [A.GEN_AI_OPERATION_NAME]: operation }), operation).toBe(kind);
    }
  });

  it("@lazytrace/traces reads every kind's Langfuse observation type back as that kind", () => {
    for (const kind of known) {
      const type = kindFacts(kind).langfuseType;
      if (type === undefined || kind === 'flow') continue; // Langfuse's chain is read as itself
      expect(kindOf({ [LANGFUSE_ATTRIBUTES.type]: type }), type).toBe(kind);
    }
  });

  it('an unknown kind has no facts', () => {
    expect(kindFacts('my-kind')).toEqual({});
    expect(kindFacts('toString')).toEqual({});
  });
});
