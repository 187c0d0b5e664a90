/**
 * Writes what is derived from the readers' registry: the list of types in @elava/types, the IAM
 * policies in docs/ and the OpenAPI enum. Run after adding a reader (`npm run generate`); a test
 * fails while any of them differs from what this would write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executorPolicy, openapiWithTypes, PROVIDERS, scannerPolicy, typeCatalogSource } from '@elava/aws';

const root = join(import.meta.dirname, '..');
const files: Record<string, (current: string) => string> = {
  'libs/types/src/resource-types.generated.ts': () => typeCatalogSource(PROVIDERS),
  'docs/iam-policy.json': () => scannerPolicy(PROVIDERS),
  'docs/iam-executor-policy.json': () => executorPolicy(PROVIDERS),
  'docs/openapi.yaml': (current) => openapiWithTypes(current, PROVIDERS),
};
for (const [path, make] of Object.entries(files)) {
  const full = join(root, path);
  let current = '';
  try {
    current = readFileSync(full, 'utf8');
  } catch {}
  const next = make(current);
  if (next === current) console.log(`  unchanged ${path}`);
  else {
    writeFileSync(full, next);
    console.log(`  wrote     ${path}`);
  }
}
