/**
 * Finds words written straight into a surface's code instead of coming from the message catalogue
 * (src/presenters/*.ts). It reads the files' syntax trees (TypeScript's parser, no type checking)
 * and looks at every string literal and every template literal's fixed text.
 *
 * Not words for a person, so never reported: module specifiers, type positions, logger calls and
 * their arguments, `new …Error(…)` and `throw`, operands of comparisons, `in` and `case`, indexing
 * keys, property names, and `new Set/Map/RegExp(…)` tables and patterns (unless they hold prose).
 *
 * Everything else is reported when:
 * - it reads as prose: two words with a space between them, a word ending a sentence (`Done.`),
 *   or any CJK character; or
 * - it has any letter and goes straight into a reply: a `content:` (or `description:`) value, an
 *   argument of reply/followUp/editReply/edit/send/update/write/setName/setDescription…, or what a
 *   function returns; or
 * - in a strict file (the presenters, which may add only markup), it has any letter at all, unless
 *   it is a lone lower-case code (`'discord'`, `'empty_message'`) handed to a function or set as
 *   a property's value (`kind: 'ignored'`).
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

const LOGGER_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child']);
const REPLY_CALLS = new Set([
  'reply',
  'followUp',
  'editReply',
  'edit',
  'send',
  'update',
  'write',
  'replyEphemeral',
  'setName',
  'setDescription',
  'setNameLocalizations',
  'setDescriptionLocalizations',
  'addChoices',
  'setContent',
]);
const REPLY_PROPERTIES = new Set(['content', 'description', 'title', 'label', 'placeholder']);
const TABLE_CONSTRUCTORS = new Set(['Set', 'Map', 'RegExp']);
const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.InKeyword,
]);

const LETTER = /\p{L}/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** Two words with whitespace between (punctuation may close the first or open the second). */
const TWO_WORDS = /\p{L}[\p{L}'’]*[,.;:!?)"”]*\s+["“(]*\p{L}/u;
/** Words on both sides of a template's value: `Removed ${n} messages`. */
const WORDS_AROUND_HOLE = /\p{L}{2}[,.;:]?\s+\0\s+\p{L}{2}/u;
/** A word that ends a sentence: "Done." "Oops!" */
const SENTENCE_END = /\p{L}{2}[.!?](?:\s|$|\0)/u;
/** A code handed to a function: `discord`, `empty_message`. */
const CODE = /^[a-z][a-z0-9_]*$/;
/** Stands for a template's `${…}` parts, so fixed text on either side never joins into one word. */
const HOLE = '\0';

export function isProse(text: string): boolean {
  return CJK.test(text) || TWO_WORDS.test(text) || WORDS_AROUND_HOLE.test(text) || SENTENCE_END.test(text);
}

/** The fixed text of a literal, with HOLE where a template has a substitution. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(HOLE);
  return undefined;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function isLoggerCall(call: ts.CallExpression): boolean {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && LOGGER_METHODS.has(callee.name.text) && /log/i.test(callee.expression.getText());
}

/** Each node above `node` with the one below it on the way, from the nearest up. */
function* ancestors(node: ts.Node): Generator<[child: ts.Node, parent: ts.Node]> {
  let child = node;
  // A source file's parent is undefined at run time, whatever the typings say.
  let parent = node.parent as ts.Node | undefined;
  while (parent !== undefined) {
    yield [child, parent];
    child = parent;
    parent = parent.parent;
  }
}

/** Why a literal is not words for a person, or undefined when it may be. */
function exemption(node: ts.Node): string | undefined {
  for (const [child, parent] of ancestors(node)) {
    if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent)) return 'module';
    if (ts.isCallExpression(parent) && parent.expression.kind === ts.SyntaxKind.ImportKeyword) return 'module';
    if (ts.isTypeNode(parent) && !ts.isExpressionWithTypeArguments(parent)) return 'type';
    if (ts.isCallExpression(parent) && isLoggerCall(parent)) return 'log';
    if (ts.isNewExpression(parent)) {
      const name = calleeName(parent) ?? '';
      if (name.endsWith('Error')) return 'error';
      if (TABLE_CONSTRUCTORS.has(name)) return 'table';
    }
    if (ts.isThrowStatement(parent)) return 'error';
    if (ts.isBinaryExpression(parent) && COMPARISONS.has(parent.operatorToken.kind)) return 'comparison';
    if (ts.isCaseClause(parent) && parent.expression === child) return 'comparison';
    if (ts.isElementAccessExpression(parent) && parent.argumentExpression === child) return 'key';
    if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === child) {
      return 'key';
    }
    if (ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isFunctionLike(parent)) return undefined;
  }
  return undefined;
}

type Consumer = 'reply' | 'argument' | 'property' | 'other';

/** What first takes the literal's value, looking through conditionals, `+`, parentheses and templates. */
function consumer(node: ts.Node): Consumer {
  for (const [child, parent] of ancestors(node)) {
    if (ts.isParenthesizedExpression(parent) || ts.isTemplateSpan(parent) || ts.isTemplateExpression(parent)) continue;
    if (ts.isConditionalExpression(parent) && parent.condition !== child) continue;
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.PlusToken) continue;
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) continue;
    if (ts.isReturnStatement(parent)) return 'reply';
    if (ts.isArrowFunction(parent) && parent.body === child) return 'reply';
    if (ts.isPropertyAssignment(parent)) return REPLY_PROPERTIES.has(parent.name.getText()) ? 'reply' : 'property';
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(child as ts.Expression) === true) {
      return REPLY_CALLS.has(calleeName(parent) ?? '') ? 'reply' : 'argument';
    }
    return 'other';
  }
  return 'other';
}

/** Every literal in `source` that looks like words for a person written outside the catalogue. */
export function findUserFacingLiterals(file: string, source: string, options: { strict: boolean }): Finding[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    const exempt = text === undefined ? undefined : exemption(node);
    // A table may hold codes and file types, not sentences.
    if (text !== undefined && LETTER.test(text) && (exempt === undefined || (exempt === 'table' && isProse(text)))) {
      const taker = consumer(node);
      let why: string | undefined;
      if (isProse(text)) why = 'reads as prose';
      else if (taker === 'reply') why = 'goes straight into a reply';
      else if (options.strict && !((taker === 'argument' || taker === 'property') && CODE.test(text))) why = 'a presenter may add only markup';
      if (why !== undefined) {
        const line = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line + 1;
        findings.push({ file, line, text: text.replaceAll(HOLE, '${…}'), why });
      }
    }
    // A template's parts are covered by the template itself.
    if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
    else for (const span of node.templateSpans) ts.forEachChild(span, visit);
  };
  visit(tree);
  return findings;
}

export function scanFile(path: string, options: { strict: boolean }): Finding[] {
  return findUserFacingLiterals(path, readFileSync(path, 'utf8'), options);
}
