// The TypeScript types of the REST API, generated from the gateway's OpenAPI document
// (web/openapi.json, which a gateway test keeps equal to the served spec). `npm run gen:api` writes
// src/lib/api-schema.ts; a Vitest test fails when the checked-in file is not what this produces.
import openapiTS, { astToString } from 'openapi-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const SPEC = here('../openapi.json');
export const OUTPUT = here('../src/lib/api-schema.ts');
const HEADER = '// Generated from web/openapi.json by `npm run gen:api` (scripts/api-types.mjs). Do not edit.\n\n';

/** The generated module's text. */
export async function generate() {
  const spec = JSON.parse(await readFile(SPEC, 'utf8'));
  return HEADER + astToString(await openapiTS(spec, { alphabetize: true }));
}

/** The checked-in module's text. */
export async function checkedIn() {
  return readFile(OUTPUT, 'utf8').catch(() => '');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(OUTPUT, await generate());
  console.log(`wrote ${OUTPUT}`);
}
