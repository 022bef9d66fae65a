// Validates AsyncAPI documents with the reference parser (@asyncapi/parser).
// Usage: node asyncapi-validate.mjs FILE...
// Prints every diagnostic; exits 1 when any file has an error-severity diagnostic, 2 on bad usage.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node asyncapi-validate.mjs FILE...');
  process.exit(2);
}

const parser = new Parser();
let failed = false;
for (const file of files) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    const level = d.severity === DiagnosticSeverity.Error ? 'error' : 'note';
    console.log(`${file}: ${level}: ${d.code}: ${d.message} at /${d.path.join('/')}`);
  }
  if (errors.length > 0 || document === undefined) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} errors)`);
  }
}
process.exit(failed ? 1 : 0);
