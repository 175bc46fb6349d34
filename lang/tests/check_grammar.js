#!/usr/bin/env node
// Checks lang/mlp.tmLanguage.json (the TextMate grammar editors use to
// highlight .mlp files) with the tokenizer VS Code itself uses.
//
//   cd lang/tests && npm install vscode-textmate vscode-oniguruma && node check_grammar.js
//
// What it checks:
//  1. Both JSON files parse; scopeName/fileTypes; every `include` resolves;
//     every regex compiles with Oniguruma; language-configuration.json's
//     comment, brackets and indentation rules.
//  2. Every .mlp in examples/, ../shared/spec/examples/ and tests/parser/
//     tokenizes: no line stops early or gets an `invalid` scope, and wherever
//     the brackets of a line are balanced (per Mlp.g4's lexer) the tokenizer is
//     back at the top level, so no region leaks into the following lines.
//  3. A sweep that lexes each file as Mlp.g4 does and checks the scope of
//     every token: comments, strings (quotes, escapes, `{{`, interpolations
//     with their expression and format spec, split as frontend/Parser.cpp
//     splits them; the expression inside is swept too), numbers, every
//     keyword, element types, operators, builtin calls, and that plain names
//     get no keyword/number/string scope.
//  4. Coverage: every keyword and operator token of lang/Mlp.g4, every builtin
//     of frontend/SemaBuiltins.cpp and every layer and estimator of
//     lang/REFERENCE.md gets its scope.
//  5. Spot checks: (line, text, scope) triples taken from the examples.
// Prints "grammar: ok (...)" and exits 0, or lists the problems, prints
// "grammar: FAILED (...)" and exits 1. Extra .mlp files may be given as
// arguments.
'use strict';

const fs = require('fs');
const path = require('path');

let vsctm, oniguruma;
try {
  vsctm = require('vscode-textmate');
  oniguruma = require('vscode-oniguruma');
} catch (e) {
  console.error('error: vscode-textmate and vscode-oniguruma are needed: ' +
                'cd lang/tests && npm install vscode-textmate vscode-oniguruma');
  process.exit(2);
}

const repo = path.resolve(__dirname, '..', '..');
const grammarPath = path.join(repo, 'lang', 'mlp.tmLanguage.json');
const configPath = path.join(repo, 'lang', 'language-configuration.json');

const problems = [];
let checks = 0;
function check(ok, message) {
  ++checks;
  if (!ok)
    problems.push(message);
  return ok;
}

// ------------------------------------------------------------ the language
// Keyword classes (Mlp.g4's keyword tokens; part 4 checks the two agree) and
// the scope each must get.
const keywordScope = {};
for (const k of ['if', 'then', 'else', 'for', 'in', 'with', 'return'])
  keywordScope[k] = 'keyword.control.mlp';
for (const k of ['let', 'param', 'data', 'model', 'train', 'fit'])
  keywordScope[k] = `storage.type.${k}.mlp`;
keywordScope.fn = 'storage.type.function.mlp';
keywordScope.import = 'keyword.other.import.mlp';
for (const k of ['print', 'plot', 'save', 'load', 'to', 'from', 'on'])
  keywordScope[k] = `keyword.other.${k}.mlp`;
for (const k of ['and', 'or', 'not'])
  keywordScope[k] = 'keyword.operator.logical.mlp';
keywordScope.true = keywordScope.false = 'constant.language.boolean.mlp';

const operatorScope = {
  '|>': 'keyword.operator.pipe.mlp',
  '->': 'keyword.operator.arrow.mlp',
  '..': 'keyword.operator.range.mlp',
  '@': 'keyword.operator.matrix.mlp',
  '=': 'keyword.operator.assignment.mlp',
  '.': 'punctuation.accessor.mlp',
};
for (const op of ['<=', '>=', '==', '!=', '<', '>'])
  operatorScope[op] = 'keyword.operator.comparison.mlp';
for (const op of ['+', '-', '*', '/', '%', '^'])
  operatorScope[op] = 'keyword.operator.arithmetic.mlp';

const elementTypes = new Set(['f32', 'f64', 'i32', 'i64', 'bool', 'str']);

/// The builtin sets of frontend/SemaBuiltins.cpp (casts are element types).
function semaBuiltins() {
  const text = fs.readFileSync(path.join(repo, 'frontend', 'SemaBuiltins.cpp'), 'utf8');
  const names = new Set();
  const setRe = /const std::set<std::string> (k\w+) = \{([^}]*)\}/g;
  let m, sets = 0;
  while ((m = setRe.exec(text))) {
    ++sets;
    if (m[1] === 'kCasts')
      continue;
    for (const s of m[2].matchAll(/"([A-Za-z_0-9]+)"/g))
      names.add(s[1]);
  }
  check(sets >= 5 && names.size > 50,
        `SemaBuiltins.cpp: expected its builtin name sets, found ${sets} sets, ${names.size} names`);
  return names;
}

/// Layer and estimator names: the first column of REFERENCE.md's `| layer |`
/// and `| estimator |` tables.
function referenceNames() {
  const lines = fs.readFileSync(path.join(repo, 'lang', 'REFERENCE.md'), 'utf8').split('\n');
  const names = new Set();
  for (const header of ['| layer |', '| estimator |']) {
    let i = lines.findIndex((l) => l.startsWith(header));
    if (!check(i >= 0, `REFERENCE.md: no table starting with "${header}"`))
      continue;
    let found = 0;
    for (i += 2; i < lines.length && lines[i].startsWith('|'); ++i) {
      const cell = lines[i].split('|')[1];
      // `dense(n)`, `conv2d(f, kernel: k, ...)`, `relu tanh leaky_relu(slope)`
      for (const code of cell.matchAll(/`([^`]*)`/g)) {
        const words = /[,:]/.test(code[1]) ? [code[1]] : code[1].split(/\s+/);
        for (const word of words) {
          const id = /^[a-z_][a-z0-9_]*/.exec(word);
          if (id) {
            names.add(id[0]);
            ++found;
          }
        }
      }
    }
    check(found >= 5, `REFERENCE.md: the "${header}" table lists only ${found} names`);
  }
  return names;
}

// ------------------------------------------------------------ the lexer
// Mlp.g4's tokens, one line at a time (no token spans lines).
const tokenRes = [
  ['ws', /[ \t\f\uFEFF]+/y],
  ['comment', /#[^\r\n]*/y],
  ['string', /"(?:\\[^\r\n]|[^"\\\r\n])*"?/y],
  ['float', /[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+/y],
  ['int', /[0-9]+/y],
  ['id', /[A-Za-z_][A-Za-z0-9_]*/y],
  ['op', /\|>|->|\.\.|<=|>=|==|!=|[<>=+\-*\/@%^.,:;()\[\]{}]/y],
  ['error', /[^]/y],
];
function lex(text) {
  const tokens = [];
  for (let pos = 0; pos < text.length;) {
    for (const [kind, re] of tokenRes) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m && m[0].length) {
        if (kind !== 'ws')
          tokens.push({ kind, text: m[0], start: pos, end: pos + m[0].length });
        pos += m[0].length;
        break;
      }
    }
  }
  return tokens;
}

/// The interpolation that opens at `open` in the string token `s` (quotes
/// included): its closing brace and the colon of its format spec, found as
/// frontend/Parser.cpp's AstBuilder::interpolation finds them.
function interpolationEnd(s, open) {
  const end = s.length - 1;
  let colon = -1, close = open + 1;
  const nested = [];
  for (; close < end; ++close) {
    const c = s[close];
    if (c === '(' || c === '[' || c === '{') {
      nested.push(c);
    } else if (c === ')' || c === ']') {
      nested.pop();
    } else if (c === '}') {
      if (!nested.length || nested[nested.length - 1] !== '{')
        break;
      nested.pop();
    } else if (c === ':' && !nested.length && colon < 0) {
      colon = close;
    }
  }
  return { close, colon };
}

// ------------------------------------------------------------ scopes
/// True when one of `scopes` is `want` or starts with `want.`.
function hasScope(scopes, want) {
  return scopes.some((s) => s === want || s.startsWith(want + '.'));
}

/// The scopes of every character of a tokenized line.
function charScopes(line, tokens) {
  const at = new Array(line.length);
  for (const t of tokens)
    for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); ++i)
      at[i] = t.scopes;
  return at;
}

// ------------------------------------------------------------ main
async function main() {
  // 1. The files themselves.
  const rawGrammar = fs.readFileSync(grammarPath, 'utf8');
  const grammarJson = JSON.parse(rawGrammar);
  check(grammarJson.scopeName === 'source.mlp', 'scopeName is not source.mlp');
  check(JSON.stringify(grammarJson.fileTypes) === '["mlp"]', 'fileTypes is not ["mlp"]');
  const regexes = [];
  (function walk(node, where) {
    if (Array.isArray(node))
      return node.forEach((n, i) => walk(n, `${where}[${i}]`));
    if (!node || typeof node !== 'object')
      return;
    for (const [key, value] of Object.entries(node)) {
      if (['match', 'begin', 'end', 'while'].includes(key) && typeof value === 'string')
        regexes.push([value, `${where}.${key}`]);
      if (key === 'include' && value.startsWith('#'))
        check(grammarJson.repository && value.slice(1) in grammarJson.repository,
              `${where}: include ${value} is not in the repository`);
      walk(value, `${where}.${key}`);
    }
  })(grammarJson, 'grammar');

  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  for (const [re, where] of regexes) {
    try {
      new oniguruma.OnigScanner([re]).dispose();
      ++checks;
    } catch (e) {
      check(false, `${where}: regex ${JSON.stringify(re)} does not compile: ${e.message}`);
    }
  }

  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  check(config.comments && config.comments.lineComment === '#',
        'language-configuration.json: lineComment is not "#"');
  for (const pair of [['{', '}'], ['[', ']'], ['(', ')']]) {
    check((config.brackets || []).some((b) => b[0] === pair[0] && b[1] === pair[1]),
          `language-configuration.json: brackets lack ${pair.join(' ')}`);
    check((config.autoClosingPairs || []).some((p) => p.open === pair[0] && p.close === pair[1]),
          `language-configuration.json: autoClosingPairs lack ${pair.join(' ')}`);
  }
  check((config.autoClosingPairs || []).some((p) => p.open === '"'),
        'language-configuration.json: autoClosingPairs lack "');
  const rules = config.indentationRules || {};
  const increase = new RegExp(rules.increaseIndentPattern || '(?!)');
  const decrease = new RegExp(rules.decreaseIndentPattern || '(?!)');
  for (const l of ['model Classifier(classes: int = 3) {', 'fn f(x: f32) -> f32 {',
                   'train net = MLP on train_set {   # settings', 'let xs = ['])
    check(increase.test(l), `indentationRules: "${l}" should increase the indent`);
  for (const l of ['print "{x}"', '# a comment {', 'dense(16) |> relu', 'let blk = { 1 }'])
    check(!increase.test(l), `indentationRules: "${l}" should not increase the indent`);
  check(decrease.test('}') && decrease.test('    ]') && !decrease.test('x }'),
        'indentationRules: decreaseIndentPattern should match a line starting with } or ]');

  // The grammar, loaded as VS Code loads it.
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.mlp' ? vsctm.parseRawGrammar(rawGrammar, grammarPath) : null,
  });
  const grammar = await registry.loadGrammar('source.mlp');

  /// Tokenizes `text`; returns the lines with their tokens and states.
  function tokenize(text) {
    let state = vsctm.INITIAL;
    return text.split(/\r?\n/).map((line) => {
      const r = grammar.tokenizeLine(line, state, 5000);
      state = r.ruleStack;
      return { line, tokens: r.tokens, stoppedEarly: r.stoppedEarly, depth: state.depth };
    });
  }
  /// The scopes at each character of a one-line snippet.
  function snippetScopes(line) {
    const [l] = tokenize(line);
    return charScopes(l.line, l.tokens);
  }

  const builtins = semaBuiltins();
  for (const n of referenceNames())
    builtins.add(n);

  // 2. and 3. The .mlp files.
  const dirs = [
    path.join(repo, 'examples'),
    path.resolve(repo, '..', 'shared', 'spec', 'examples'),
    path.join(repo, 'tests', 'parser'),
  ];
  const files = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) {
      console.log(`note: ${dir} does not exist, skipped`);
      continue;
    }
    for (const f of fs.readdirSync(dir).sort())
      if (f.endsWith('.mlp'))
        files.push(path.join(dir, f));
  }
  files.push(...process.argv.slice(2).map((f) => path.resolve(f)));
  check(files.length >= 10, `expected the example programs, found ${files.length} .mlp files`);

  let lineCount = 0;
  const tokenized = new Map();
  for (const file of files) {
    const rel = path.relative(repo, file);
    const lines = tokenize(fs.readFileSync(file, 'utf8'));
    tokenized.set(path.resolve(file), lines);
    let brackets = 0;
    lines.forEach((l, n) => {
      ++lineCount;
      const where = `${rel}:${n + 1}`;
      check(!l.stoppedEarly, `${where}: tokenizing stopped early`);
      let covered = 0;
      for (const t of l.tokens) {
        if (t.startIndex !== covered)
          check(false, `${where}: tokens skip columns ${covered}..${t.startIndex}`);
        covered = t.endIndex;
        const bad = t.scopes.find((s) => s.startsWith('invalid'));
        check(!bad, `${where}:${t.startIndex + 1}: "${l.line.slice(t.startIndex, t.endIndex)}" is ${bad}`);
      }
      check(covered >= l.line.length, `${where}: tokens stop at column ${covered}`);
      const scopes = charScopes(l.line, l.tokens);
      const tokens = lex(l.line);
      for (const t of tokens)
        if (t.kind === 'op' && '([{'.includes(t.text))
          ++brackets;
        else if (t.kind === 'op' && ')]}'.includes(t.text))
          --brackets;
      if (brackets === 0)
        check(l.depth === 1, `${where}: brackets are balanced here but a grammar region is still open (state depth ${l.depth})`);
      sweep(l.line, tokens, scopes, where, false);
    });
    check(lines[lines.length - 1].depth === 1, `${rel}: a grammar region is open at the end of the file`);
  }

  /// Checks the scope of every lexed token of a line (or of an
  /// interpolation's expression, when `inString`).
  function sweep(line, tokens, scopes, where, inString) {
    const at = (i) => scopes[i] || [];
    const all = (t, want, what) => {
      for (let i = t.start; i < t.end; ++i)
        if (!check(hasScope(at(i), want),
                   `${where}:${i + 1}: ${what} "${t.text}" lacks ${want} (has ${at(i).slice(1).join(' ') || 'nothing'})`))
          return;
    };
    const none = (t, prefixes, what) => {
      for (let i = t.start; i < t.end; ++i) {
        const bad = prefixes.find((p) => hasScope(at(i), p));
        if (!check(!bad, `${where}:${i + 1}: ${what} "${t.text}" should not be ${bad} (has ${at(i).slice(1).join(' ')})`))
          return;
      }
    };
    if (!inString) {
      // Outside strings and comments nothing is string or comment.
      const inside = new Array(line.length).fill(false);
      for (const t of tokens)
        if (t.kind === 'string' || t.kind === 'comment')
          inside.fill(true, t.start, t.end);
      for (let i = 0; i < line.length; ++i)
        if (!inside[i] && !check(!hasScope(at(i), 'string.quoted.double.mlp') && !hasScope(at(i), 'comment.line.number-sign.mlp'),
                                 `${where}:${i + 1}: "${line[i]}" outside strings and comments is ${at(i).slice(1).join(' ')}`))
          break;
    }
    tokens.forEach((t, k) => {
      const prev = tokens[k - 1], next = tokens[k + 1];
      switch (t.kind) {
      case 'comment':
        all(t, 'comment.line.number-sign.mlp', 'the comment');
        check(hasScope(at(t.start), 'punctuation.definition.comment.mlp'),
              `${where}:${t.start + 1}: "#" lacks punctuation.definition.comment.mlp`);
        break;
      case 'string':
        sweepString(line, t, scopes, where);
        break;
      case 'float':
        all(t, 'constant.numeric.float.mlp', 'the number');
        break;
      case 'int':
        all(t, 'constant.numeric.integer.mlp', 'the number');
        break;
      case 'op':
        if (operatorScope[t.text] && !(t.text === '=' && inString))
          all(t, operatorScope[t.text], 'the operator');
        break;
      case 'id': {
        const afterDot = prev && prev.text === '.';
        const nameLike = next && (next.text === ':' || next.text === '=');
        if (afterDot) {
          all(t, 'variable.other.member.mlp', 'the member');
        } else if (t.text in keywordScope) {
          if (nameLike)
            check(hasScope(at(t.start), 'variable.parameter.mlp') || hasScope(at(t.start), 'variable.other.property.mlp'),
                  `${where}:${t.start + 1}: the keyword "${t.text}" used as a name should be variable.parameter or variable.other.property`);
          else
            all(t, keywordScope[t.text], 'the keyword');
        } else if (elementTypes.has(t.text) && !nameLike) {
          all(t, 'support.type.primitive.mlp', 'the element type');
        } else if (builtins.has(t.text) && next && next.text === '(' &&
                   !(prev && prev.text === 'fn')) {
          all(t, 'support.function.builtin.mlp', 'the builtin');
        } else {
          const allowed = t.text === 'table' ? 'storage.type.table.mlp'
                        : t.text === 'trained' ? 'storage.modifier.trained.mlp' : null;
          const forbidden = ['keyword', 'constant.numeric', 'constant.language', 'comment',
                             'storage'].concat(inString ? [] : ['string']);
          const own = allowed && hasScope(at(t.start), allowed);
          if (!own)
            none(t, forbidden, 'the name');
        }
        break;
      }
      case 'error':
        check(false, `${where}:${t.start + 1}: "${t.text}" is not an .mlp token`);
        break;
      }
    });
  }

  /// A string token: quotes, text, escapes, literal braces, interpolations.
  function sweepString(line, t, scopes, where) {
    const at = (i) => scopes[i] || [];
    const want = (i, scope, what) =>
      check(hasScope(at(i), scope),
            `${where}:${i + 1}: ${what} lacks ${scope} (has ${at(i).slice(1).join(' ') || 'nothing'})`);
    const s = t.text;
    want(t.start, 'punctuation.definition.string.begin.mlp', 'the opening quote');
    if (!check(s.length >= 2 && s.endsWith('"'), `${where}:${t.start + 1}: unterminated string`))
      return;
    want(t.end - 1, 'punctuation.definition.string.end.mlp', 'the closing quote');
    for (let i = 0; i < s.length; ++i)
      if (!want(t.start + i, 'string.quoted.double.mlp', `string character "${s[i]}"`))
        return;
    for (let i = 1; i < s.length - 1;) {
      const c = s[i], next = s[i + 1];
      if (c === '\\') {
        want(t.start + i, 'constant.character.escape.mlp', `the escape "${c}${next}"`);
        want(t.start + i + 1, 'constant.character.escape.mlp', `the escape "${c}${next}"`);
        i += 2;
      } else if ((c === '{' || c === '}') && next === c) {
        want(t.start + i, 'constant.character.escape.brace.mlp', `the literal brace "${c}${c}"`);
        i += 2;
      } else if (c === '{') {
        const { close, colon } = interpolationEnd(s, i);
        want(t.start + i, 'punctuation.section.interpolation.begin.mlp', 'the interpolation\'s "{"');
        want(t.start + close, 'punctuation.section.interpolation.end.mlp', 'the interpolation\'s "}"');
        const exprEnd = colon < 0 ? close : colon;
        for (let j = i; j <= close; ++j)
          if (!want(t.start + j, 'meta.interpolation.mlp', `interpolation character "${s[j]}"`))
            break;
        if (colon >= 0) {
          want(t.start + colon, 'punctuation.separator.format-spec.mlp', 'the format spec\'s ":"');
          for (let j = colon + 1; j < close; ++j)
            if (!want(t.start + j, 'constant.other.format-spec.mlp', `format spec character "${s[j]}"`))
              break;
        }
        // The expression, lexed on its own (as parseInterpolation does).
        const exprStart = t.start + i + 1;
        const inner = lex(line.slice(exprStart, t.start + exprEnd)).map((x) =>
          Object.assign(x, { start: x.start + exprStart, end: x.end + exprStart }));
        for (const x of inner)
          if (x.kind === 'string' || x.kind === 'comment')
            check(false, `${where}:${x.start + 1}: unexpected ${x.kind} inside an interpolation`);
        sweep(line, inner, scopes, where, true);
        i = close + 1;
      } else {
        check(!hasScope(at(t.start + i), 'meta.interpolation.mlp'),
              `${where}:${t.start + i + 1}: string text "${c}" is inside an interpolation`);
        ++i;
      }
    }
  }

  // 4. Coverage of Mlp.g4's keywords and operators, and of the builtins.
  const g4 = fs.readFileSync(path.join(repo, 'lang', 'Mlp.g4'), 'utf8');
  const g4Keywords = [...g4.matchAll(/^[A-Z_]+ : '([a-z]+)' ;/gm)].map((m) => m[1]);
  const g4Operators = [...g4.matchAll(/^[A-Z_]+ : '([^a-zA-Z0-9\s']+)' ;/gm)].map((m) => m[1]);
  check(g4Keywords.length >= 25, `Mlp.g4: found only ${g4Keywords.length} keyword tokens`);
  for (const k of g4Keywords) {
    if (!check(k in keywordScope, `Mlp.g4's keyword "${k}" has no expected scope in check_grammar.js`))
      continue;
    for (const line of [k, `x ${k} y`]) {
      const sc = snippetScopes(line);
      const i = line.indexOf(k);
      check(hasScope(sc[i], keywordScope[k]),
            `keyword "${k}" in "${line}" lacks ${keywordScope[k]} (has ${sc[i].slice(1).join(' ')})`);
    }
  }
  for (const k of Object.keys(keywordScope))
    check(g4Keywords.includes(k), `"${k}" is not a keyword of Mlp.g4`);
  for (const op of g4Operators) {
    if (!(op in operatorScope))
      continue; // punctuation: , : ; ( ) [ ] { }
    const line = `a ${op} b`;
    const sc = snippetScopes(line);
    check(hasScope(sc[2], operatorScope[op]) && hasScope(sc[1 + op.length], operatorScope[op]),
          `operator "${op}" lacks ${operatorScope[op]} (has ${sc[2].slice(1).join(' ')})`);
  }
  check(g4Operators.includes('|>') && g4Operators.includes('..'), 'Mlp.g4: operator tokens not found');
  for (const name of [...builtins].sort()) {
    for (const line of [`let v = ${name}(x)`, `print "{${name}(x, k: 1):.3f}"`]) {
      const sc = snippetScopes(line);
      const i = line.indexOf(name);
      check(hasScope(sc[i], 'support.function.builtin.mlp'),
            `builtin "${name}" in ${line} lacks support.function.builtin.mlp (has ${sc[i].slice(1).join(' ')})`);
    }
  }
  for (const t of elementTypes) {
    const sc = snippetScopes(`let x: ${t} = ${t}(y)`);
    check(hasScope(sc[7], 'support.type.primitive.mlp') && hasScope(sc[10 + t.length], 'support.type.primitive.mlp'),
          `element type "${t}" lacks support.type.primitive.mlp`);
  }

  // 5. Spot checks: in the first line of `file` that contains `line`, the
  // `nth` (default 1st) occurrence of `text` has `scope` on every character
  // (`!scope`: on none of them).
  const spots = [
    // comments
    ['examples/iris.mlp', '# Classify iris', '# Classify', 'comment.line.number-sign.mlp'],
    ['examples/iris.mlp', '# Classify iris', '#', 'punctuation.definition.comment.mlp'],
    ['tests/parser/training.mlp', 'target    = species', '# str/int column', 'comment.line.number-sign.mlp'],
    // declarations and their keywords
    ['examples/iris.mlp', 'param lr: f32', 'param', 'storage.type.param.mlp'],
    ['examples/iris.mlp', 'param lr: f32', 'lr', 'entity.name.variable.mlp'],
    ['examples/iris.mlp', 'param lr: f32', 'f32', 'support.type.primitive.mlp'],
    ['examples/iris.mlp', 'param lr: f32', '0.01', 'constant.numeric.float.mlp'],
    ['examples/iris.mlp', 'param epochs: i32', 'i32', 'support.type.primitive.mlp'],
    ['examples/iris.mlp', 'data iris = csv', 'data', 'storage.type.data.mlp'],
    ['examples/iris.mlp', 'data iris = csv', 'csv', 'support.function.builtin.mlp'],
    ['examples/iris.mlp', 'data iris = csv', '"examples/data/iris.csv"', 'string.quoted.double.mlp'],
    ['examples/iris.mlp', 'let (train_set, test_set)', 'let', 'storage.type.let.mlp'],
    ['examples/iris.mlp', 'let (train_set, test_set)', 'test_set', 'entity.name.variable.mlp'],
    ['examples/iris.mlp', 'let (train_set, test_set)', 'seed', 'variable.parameter.mlp'],
    ['examples/iris.mlp', 'let (train_set, test_set)', '42', 'constant.numeric.integer.mlp'],
    ['examples/iris.mlp', 'model Classifier', 'model', 'storage.type.model.mlp'],
    ['examples/iris.mlp', 'model Classifier', 'Classifier', 'entity.name.type'],
    ['examples/iris.mlp', 'model Classifier', 'classes', 'variable.parameter.mlp'],
    ['examples/iris.mlp', 'model Classifier', 'int', 'support.type.primitive.mlp'],
    ['examples/iris.mlp', 'dense(16) |> relu', '|>', 'keyword.operator.pipe.mlp'],
    ['examples/iris.mlp', 'dense(16) |> relu', 'dense', 'support.function.builtin.mlp'],
    ['examples/iris.mlp', 'dense(16) |> relu', 'relu', 'support.function.builtin.mlp'],
    ['examples/iris.mlp', 'dense(16) |> relu', '16', 'constant.numeric.integer.mlp'],
    ['examples/iris.mlp', '|> standardize(', '|>', 'keyword.operator.pipe.mlp'],
    ['examples/iris.mlp', 'train net = Classifier', 'train', 'storage.type.train.mlp'],
    ['examples/iris.mlp', 'train net = Classifier', 'net', 'entity.name.variable.mlp'],
    ['examples/iris.mlp', 'train net = Classifier', 'on', 'keyword.other.on.mlp'],
    ['examples/iris.mlp', 'train net = Classifier', 'classes', 'variable.parameter.mlp'],
    ['examples/iris.mlp', 'inputs    = [', 'inputs', 'variable.other.property.mlp'],
    ['examples/iris.mlp', 'inputs    = [', 'sepal_length', '!variable.other.property.mlp'],
    ['examples/iris.mlp', 'loss      = cross_entropy', 'loss', 'variable.other.property.mlp'],
    ['examples/iris.mlp', 'loss      = cross_entropy', 'cross_entropy', 'support.function.builtin.mlp'],
    ['examples/iris.mlp', 'optimizer = adam(lr: lr)', 'lr', 'variable.parameter.mlp'],
    ['examples/iris.mlp', 'optimizer = adam(lr: lr)', 'lr', '!variable.parameter.mlp', 2],
    ['examples/iris.mlp', 'optimizer = adam(lr: lr)', 'adam', 'support.function.builtin.mlp'],
    ['examples/iris.mlp', 'epochs    = epochs', 'epochs', 'variable.other.property.mlp'],
    ['examples/iris.mlp', 'epochs    = epochs', 'epochs', '!variable.other.property.mlp', 2],
    ['examples/iris.mlp', 'metrics   = [accuracy]', 'accuracy', 'support.function.builtin.mlp'],
    // strings, interpolations and format specs
    ['examples/iris.mlp', 'print "test accuracy', 'print', 'keyword.other.print.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', 'test accuracy: ', 'string.quoted.double.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', 'test accuracy: ', '!meta.interpolation.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', '{accuracy(net, test_set):.3f}', 'meta.interpolation.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', '{', 'punctuation.section.interpolation.begin.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', 'accuracy', 'support.function.builtin.mlp', 2],
    ['examples/iris.mlp', 'print "test accuracy', ':', 'punctuation.separator.format-spec.mlp', 2],
    ['examples/iris.mlp', 'print "test accuracy', '.3f', 'constant.other.format-spec.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', '.3f', 'meta.format-spec.mlp'],
    ['examples/iris.mlp', 'print "test accuracy', '}', 'punctuation.section.interpolation.end.mlp'],
    ['examples/iris.mlp', 'plot net.history', 'plot', 'keyword.other.plot.mlp'],
    ['examples/iris.mlp', 'plot net.history', 'history', 'variable.other.member.mlp'],
    ['examples/iris.mlp', 'plot net.history', 'to', 'keyword.other.to.mlp'],
    ['examples/iris.mlp', 'save net to', 'save', 'keyword.other.save.mlp'],
    ['examples/kmeans_iris.mlp', 'inertia:', 'inertia', 'variable.other.member.mlp', 2],
    ['examples/kmeans_iris.mlp', 'inertia:', '.2f', 'constant.other.format-spec.mlp'],
    ['examples/fashion_cnn.mlp', 'data train_set = idx', '{dir}', 'meta.interpolation.mlp'],
    ['examples/fashion_cnn.mlp', 'data train_set = idx', '/train-images-idx3-ubyte.gz', '!meta.interpolation.mlp'],
    ['examples/fashion_cnn.mlp', 'data train_set = idx', 'images', 'variable.parameter.mlp'],
    ['examples/stocks_forecast.mlp', 'parse_dates(date', '"%b %d %Y"', 'string.quoted.double.mlp'],
    ['tests/parser/strings.mlp', 'print "escapes', '\\t', 'constant.character.escape.mlp'],
    ['tests/parser/strings.mlp', 'print "escapes', '\\"', 'constant.character.escape.mlp'],
    ['tests/parser/strings.mlp', 'print "escapes', '\\\\', 'constant.character.escape.mlp'],
    ['tests/parser/strings.mlp', 'print "block:', '{{', 'constant.character.escape.brace.mlp'],
    ['tests/parser/strings.mlp', 'print "block:', 'not interpolated', '!keyword'],
    ['tests/parser/strings.mlp', 'print "block:', '{1}', 'meta.interpolation.mlp'],
    ['tests/parser/strings.mlp', 'print "math:', 'k', 'variable.parameter.mlp'],
    ['tests/parser/strings.mlp', 'print "index:', '1:3', '!constant.other.format-spec.mlp'],
    ['tests/parser/strings.mlp', 'print "value: {x:.3f}', '>10', 'constant.other.format-spec.mlp'],
    // numbers
    ['tests/parser/lexical.mlp', 'let tiny', '1e-3', 'constant.numeric.float.mlp'],
    ['tests/parser/lexical.mlp', 'let big', '2.5E+2', 'constant.numeric.float.mlp'],
    ['tests/parser/lexical.mlp', 'let answer', '42', 'constant.numeric.integer.mlp'],
    ['tests/parser/lexical.mlp', 'let yes', 'true', 'constant.language.boolean.mlp'],
    ['tests/parser/lexical.mlp', 'let keyed', 'on', 'variable.parameter.mlp'],
    ['tests/parser/lexical.mlp', 'let member', 'data', 'variable.other.member.mlp'],
    ['tests/parser/lexical.mlp', 'let member', 'data', '!storage'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', '..', 'keyword.operator.range.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', '0', 'constant.numeric.integer.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', '500', 'constant.numeric.integer.mlp'],
    ['examples/custom_loss.mlp', 'let p = linspace', '-', 'keyword.operator.arithmetic.mlp'],
    ['examples/custom_loss.mlp', 'let p = linspace', '3.0', 'constant.numeric.float.mlp'],
    // types
    ['tests/parser/types.mlp', 'let t2: f32[N, 784]', 'f32', 'support.type.primitive.mlp'],
    ['tests/parser/types.mlp', 'let t2: f32[N, 784]', 'f32[N, 784]', 'meta.type.tensor.mlp'],
    ['tests/parser/types.mlp', 'let t2: f32[N, 784]', 'N', 'variable.other.constant.dimension.mlp'],
    ['tests/parser/types.mlp', 'let t2: f32[N, 784]', '784', 'constant.numeric.integer.mlp'],
    ['tests/parser/types.mlp', 'let tab: table{', 'table', 'storage.type.table.mlp'],
    ['tests/parser/types.mlp', 'let tab: table{', 'sepal_length', 'variable.other.property.mlp'],
    ['tests/parser/types.mlp', 'let tab: table{', 'str', 'support.type.primitive.mlp'],
    ['tests/parser/types.mlp', 'let tab: table{', '28', 'constant.numeric.integer.mlp'],
    ['tests/parser/types.mlp', 'let m: model Net', 'model', 'storage.type.model.mlp'],
    ['tests/parser/types.mlp', 'let m: model Net', 'Net', 'entity.name.type.mlp'],
    ['tests/parser/types.mlp', 'let n: trained Net', 'trained', 'storage.modifier.trained.mlp'],
    ['tests/parser/types.mlp', 'fn typed(', 'a', 'variable.other.property.mlp'],
    ['tests/parser/types.mlp', 'fn typed(', 'trained', 'storage.modifier.trained.mlp'],
    ['tests/parser/types.mlp', 'let table = 1', 'table', '!storage'],
    ['tests/parser/types.mlp', 'let trained = table', 'table', '!storage'],
    // functions: declarations, parameters, control flow
    ['examples/custom_loss.mlp', 'fn huber(', 'fn', 'storage.type.function.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', 'huber', 'entity.name.function.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', 'pred', 'variable.parameter.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', 'N', 'variable.other.constant.dimension.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', 'delta', 'variable.parameter.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', '->', 'keyword.operator.arrow.mlp'],
    ['examples/custom_loss.mlp', 'fn huber(', 'f32', 'support.type.primitive.mlp', 4],
    ['examples/custom_loss.mlp', 'fn loss(w', 'loss', 'entity.name.function.mlp'],
    ['examples/custom_loss.mlp', 'mean(where(', 'where', 'support.function.builtin.mlp'],
    ['examples/custom_loss.mlp', 'mean(where(', '^', 'keyword.operator.arithmetic.mlp'],
    ['examples/custom_loss.mlp', 'mean(where(', '<', 'keyword.operator.comparison.mlp'],
    ['examples/custom_loss.mlp', 'print grad(huber', 'wrt', 'variable.parameter.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', 'for', 'keyword.control.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', 'in', 'keyword.control.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', 'with', 'keyword.control.mlp'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', 'step', '!support.function'],
    ['examples/custom_loss.mlp', 'let (w, b) = for', 'w', 'variable.parameter.mlp', 2],
    ['tests/parser/functions.mlp', 'if x > 0 then', 'if', 'keyword.control.mlp'],
    ['tests/parser/functions.mlp', 'if x > 0 then', 'then', 'keyword.control.mlp'],
    ['tests/parser/functions.mlp', 'if x > 0 then', 'else', 'keyword.control.mlp'],
    ['tests/parser/functions.mlp', 'return x', 'return', 'keyword.control.mlp'],
    ['tests/parser/expressions.mlp', 'let p5 = a @ b', '@', 'keyword.operator.matrix.mlp'],
    ['tests/parser/expressions.mlp', 'let p7 =', 'and', 'keyword.operator.logical.mlp'],
    ['tests/parser/expressions.mlp', 'let p7 =', 'not', 'keyword.operator.logical.mlp'],
    ['tests/parser/expressions.mlp', 'let p7 =', 'or', 'keyword.operator.logical.mlp'],
    ['tests/parser/expressions.mlp', 'let p7 =', '>=', 'keyword.operator.comparison.mlp'],
    ['tests/parser/expressions.mlp', 'let c4 = mutate', 'ratio', 'variable.parameter.mlp'],
    ['tests/parser/expressions.mlp', 'let i3 = x[1:3', ':', 'punctuation.separator.slice.mlp'],
    ['tests/parser/statements.mlp', 'import "lib', 'import', 'keyword.other.import.mlp'],
    ['tests/parser/statements.mlp', 'let net2 = load', 'load', 'keyword.other.load.mlp'],
    ['tests/parser/statements.mlp', 'let net2 = load', 'from', 'keyword.other.from.mlp'],
    // models with named layers and forward; fit settings on one line
    ['examples/residual.mlp', 'embed = dense(dim)', 'embed', 'variable.other.property.mlp'],
    ['examples/residual.mlp', 'forward(x) =', 'forward', 'entity.name.function.mlp'],
    ['examples/residual.mlp', 'forward(x) =', 'x', 'variable.parameter.mlp'],
    ['examples/diabetes.mlp', 'fit ols = linear_regression', 'fit', 'storage.type.fit.mlp'],
    ['examples/diabetes.mlp', 'fit ols = linear_regression', 'linear_regression', 'support.function.builtin.mlp'],
    ['examples/diabetes.mlp', 'fit ols = linear_regression', 'inputs', 'variable.other.property.mlp'],
    ['examples/diabetes.mlp', 'fit ols = linear_regression', 'target', 'variable.other.property.mlp'],
    ['examples/diabetes.mlp', 'fit ols = linear_regression', 'numeric', 'support.constant.mlp'],
    ['examples/breast_cancer.mlp', 'fit clf = logistic_regression', 'c', 'variable.parameter.mlp'],
    ['examples/cars_regression.mlp', '|> fill_na(horsepower: median)', 'horsepower', 'variable.parameter.mlp'],
    ['examples/cars_regression.mlp', '|> mutate(power_to_weight', 'power_to_weight', 'variable.parameter.mlp'],
    ['examples/cars_regression.mlp', '|> mutate(power_to_weight', '/', 'keyword.operator.arithmetic.mlp'],
    ['examples/cars_regression.mlp', 'plot scatter(', 'scatter', 'support.function.builtin.mlp'],
  ];
  for (const [file, lineText, text, scope, nth = 1] of spots) {
    const lines = tokenized.get(path.resolve(repo, file));
    if (!check(lines, `spot check: ${file} was not tokenized`))
      continue;
    const n = lines.findIndex((l) => l.line.includes(lineText));
    if (!check(n >= 0, `spot check: no line of ${file} contains "${lineText}"`))
      continue;
    const { line, tokens } = lines[n];
    // The nth occurrence of text as a whole word (`to` is not in `history`).
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp((/^\w/.test(text) ? '(?<!\\w)' : '') + escaped +
                          (/\w$/.test(text) ? '(?!\\w)' : ''), 'g');
    const found = [...line.matchAll(re)];
    const col = found.length >= nth ? found[nth - 1].index : -1;
    if (!check(col >= 0, `spot check: ${file}:${n + 1} has no occurrence ${nth} of "${text}"`))
      continue;
    const sc = charScopes(line, tokens);
    const negate = scope.startsWith('!');
    const want = negate ? scope.slice(1) : scope;
    for (let i = col; i < col + text.length; ++i)
      if (!check(hasScope(sc[i], want) !== negate,
                 `spot check ${file}:${n + 1}:${i + 1}: "${text}" ${negate ? 'should not have' : 'lacks'} ${want} ` +
                 `(has ${sc[i].slice(1).join(' ')})`))
        break;
  }

  if (problems.length) {
    for (const p of problems.slice(0, 200))
      console.log(p);
    if (problems.length > 200)
      console.log(`... and ${problems.length - 200} more`);
    console.log(`grammar: FAILED (${problems.length} of ${checks} checks, ${files.length} files, ${lineCount} lines)`);
    process.exit(1);
  }
  console.log(`grammar: ok (${files.length} files, ${lineCount} lines, ${spots.length} spot checks, ${checks} checks)`);
}

main().catch((e) => {
  for (const p of problems)
    console.log(p);
  console.log(`grammar: FAILED (${e && e.stack || e})`);
  process.exit(1);
});
