import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the build scripts, without type declarations
import { checkedIn, generate } from '../../scripts/api-types.mjs';

describe('the generated API types', () => {
  it('are what web/openapi.json gives (run `make openapi` after an API change)', async () => {
    expect((await checkedIn()) === (await generate())).toBe(true);
  }, 30_000);
});
