// The TextMate grammar, tokenized by vscode-textmate with the Oniguruma engine (what VS Code
// itself runs): keywords, annotations, strings, comments, numbers and types get their scopes in
// sample files, and every file of the repository's example APIs tokenizes without a rule
// failing. Run: `npm test` in editors/vscode.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const repo = path.join(__dirname, '..', '..', '..');

async function grammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.accord') return null;
      const file = path.join(__dirname, '..', 'syntaxes', 'accord.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  return registry.loadGrammar('source.accord');
}

const loaded = grammar();

/** Every token of `text` as [text, scopes]. */
async function tokenize(text) {
  const g = await loaded;
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of text.split('\n')) {
    const result = g.tokenizeLine(line, stack);
    for (const t of result.tokens) {
      out.push([line.slice(t.startIndex, t.endIndex), t.scopes]);
    }
    stack = result.ruleStack;
  }
  return out;
}

/** The scopes of the first token whose text is `text` (after `after`, when given). */
function scopesOf(tokens, text, after) {
  let start = 0;
  if (after !== undefined) {
    start = tokens.findIndex(([t]) => t.includes(after));
    assert.notStrictEqual(start, -1, `no token with ${after}`);
  }
  const found = tokens.slice(start).find(([t]) => t === text);
  assert.ok(found, `no token ${JSON.stringify(text)}`);
  return found[1];
}

function has(tokens, text, scope, after) {
  const scopes = scopesOf(tokens, text, after);
  assert.ok(scopes.some((s) => s.startsWith(scope)), `${text}: ${scopes.join(' ')} lacks ${scope}`);
}

const sample = `// A sample of every kind of token.
package shop.orders;
version 1.2.0;

import "common.accord";

/// An order.
@deprecated("use OrderV2")
struct Order {
    id: uuid = 1;
    /* block */ total?: common.Money = 0x2;
    tags: list<string> = 3;
    @default(true)
    rush: bool = 4;
}

channel order_events {
    kind publish_subscribe;
    address r"shop.orders.events";
    messages OrderPlaced;
}

service OrderService {
    @http(GET, "/orders/{id}\\n")
    @timeout(250ms)
    op get_order(GetOrder) -> stream Order throws NotFound;
    subscribes order_events;
}
`;

test('keywords', async () => {
  const tokens = await tokenize(sample);
  has(tokens, 'package', 'keyword.other.package');
  has(tokens, 'version', 'keyword.other');
  has(tokens, 'import', 'keyword.control.import');
  for (const k of ['struct', 'channel', 'service']) has(tokens, k, 'storage.type');
  has(tokens, 'op', 'storage.type.function');
  for (const k of ['kind', 'address', 'messages', 'stream', 'throws', 'subscribes']) {
    has(tokens, k, 'keyword.other');
  }
});

test('annotations', async () => {
  const tokens = await tokenize(sample);
  for (const a of ['deprecated', 'default', 'http', 'timeout']) {
    has(tokens, a, 'entity.name.function.decorator');
  }
  has(tokens, '@', 'punctuation.definition.annotation');
});

test('strings', async () => {
  const tokens = await tokenize(sample);
  has(tokens, 'common.accord', 'string.quoted.double');
  has(tokens, 'r"shop.orders.events"', 'string.quoted.double.raw');
  has(tokens, '\\n', 'constant.character.escape');
});

test('comments', async () => {
  const tokens = await tokenize(sample);
  has(tokens, '// A sample of every kind of token.', 'comment.line.double-slash');
  has(tokens, '/// An order.', 'comment.line.documentation');
  has(tokens, '/*', 'comment.block');
});

test('numbers', async () => {
  const tokens = await tokenize(sample);
  has(tokens, '1.2.0', 'constant.numeric.version');
  has(tokens, '0x2', 'constant.numeric.hex');
  has(tokens, '3', 'constant.numeric');
  has(tokens, '250ms', 'constant.numeric.duration');
  has(tokens, 'true', 'constant.language.boolean');
});

test('types', async () => {
  const tokens = await tokenize(sample);
  has(tokens, 'Order', 'entity.name.type', 'struct');
  has(tokens, 'uuid', 'support.type.primitive');
  has(tokens, 'list', 'support.type.builtin');
  has(tokens, 'string', 'support.type.primitive', 'list');
  has(tokens, 'common.Money', 'entity.name.type');
  has(tokens, 'GetOrder', 'entity.name.type');
  has(tokens, 'NotFound', 'entity.name.type');
  has(tokens, 'get_order', 'entity.name.function');
  has(tokens, 'id', 'variable.other.property');
});

test('every example file tokenizes, its keywords and comments scoped', async () => {
  const folders = [
    path.join(repo, 'examples', 'ftgo', 'api'),
    path.join(repo, 'lsp', 'tests', 'fixtures', 'workspace'),
    path.join(repo, 'lsp', 'tests', 'fixtures', 'workspace', 'common'),
  ];
  let files = 0;
  for (const folder of folders) {
    for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.accord'))) {
      const text = fs.readFileSync(path.join(folder, name), 'utf8');
      const tokens = await tokenize(text);
      files += 1;
      has(tokens, 'package', 'keyword.other.package');
      for (const [t, scopes] of tokens) {
        if (t.startsWith('//')) {
          assert.ok(scopes.some((s) => s.startsWith('comment.')), `${name}: ${t}`);
        }
      }
    }
  }
  assert.ok(files >= 8, `only ${files} files`);
});
