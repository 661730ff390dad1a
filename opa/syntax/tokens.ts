// Rego token kinds and their printable names (used in "unexpected X token" messages).

export enum Tok {
  EOF, Illegal, Ident, Number, String, RawString, TemplateString, Comment,
  // punctuation
  LBrace, RBrace, LBrack, RBrack, LParen, RParen, Dot, Comma, Semicolon, Colon,
  // operators
  Assign, Unify, Equal, Neq, Lt, Lte, Gt, Gte, Add, Sub, Mul, Quo, Rem, And, Or,
  // keywords
  Package, Import, As, Default, Else, Not, With, Some, In, Every, Contains, If, True, False, Null,
}

/** Printable name of each token kind, indexed by Tok (OPA's spelling where it has one). */
export const tokNames: readonly string[] = [
  'eof', 'illegal', 'ident', 'number', 'string', 'string', 'template string', 'comment',
  '{', '}', '[', ']', '(', ')', '.', ',', ';', ':',
  ':=', '=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&', '|',
  'package', 'import', 'as', 'default', 'else', 'not', 'with', 'some', 'in', 'every', 'contains', 'if',
  'true', 'false', 'null',
];

/** Keyword spelling -> token kind. In Rego v1 all of these are reserved (not usable as variable names). */
export const keywords: ReadonlyMap<string, Tok> = new Map([
  ['package', Tok.Package], ['import', Tok.Import], ['as', Tok.As], ['default', Tok.Default],
  ['else', Tok.Else], ['not', Tok.Not], ['with', Tok.With], ['some', Tok.Some], ['in', Tok.In],
  ['every', Tok.Every], ['contains', Tok.Contains], ['if', Tok.If], ['true', Tok.True],
  ['false', Tok.False], ['null', Tok.Null],
]);

export function isKeyword(t: Tok): boolean {
  return t >= Tok.Package;
}
