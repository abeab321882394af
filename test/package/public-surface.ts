/**
 * The public surface of the built declarations, as lines of text: every name each entry point
 * exports, and every public or protected member of what it exports (classes' static and instance
 * members, interfaces' and objects' properties). Members inherited from Node's own types (such as
 * EventEmitter's) are left out; private members and `#private` never appear in the published types
 * as anything a user can reach, so they are left out too.
 */
import * as path from 'node:path';
import ts from 'typescript';

export const ENTRY_POINTS = ['index', 'express', 'connect', 'koa', 'redis'] as const;

/** The lines for the declarations under `dist/<flavour>/adapters/`. */
export function publicSurface(distDir: string): string[] {
  const files = ENTRY_POINTS.map((entry) => path.join(distDir, 'adapters', `${entry}.d.ts`));
  const program = ts.createProgram(files, { strict: true, skipLibCheck: true, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  const lines = new Set<string>();
  const members = new Set<string>();
  for (const [index, file] of files.entries()) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} was not built`);
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      lines.add(`${ENTRY_POINTS[index]}: ${exported.name}`);
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const member of membersOf(checker, symbol, exported.name)) members.add(member);
    }
  }
  return [...[...lines].sort(), ...[...members].sort()];
}

function membersOf(checker: ts.TypeChecker, symbol: ts.Symbol, name: string): string[] {
  const out: string[] = [];
  const declaration = symbol.declarations?.[0];
  if (declaration === undefined) return out;
  if (symbol.flags & ts.SymbolFlags.Class) {
    const staticType = checker.getTypeOfSymbolAtLocation(symbol, declaration);
    for (const member of checker.getPropertiesOfType(staticType)) {
      if (member.name !== 'prototype' && isPublished(member)) out.push(`${name}.${memberName(member)}${protectedMark(member)}`);
    }
  }
  if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
    for (const member of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      if (isPublished(member)) out.push(`${name}#${memberName(member)}${protectedMark(member)}`);
    }
  } else if (symbol.flags & ts.SymbolFlags.Variable) {
    for (const member of checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(symbol, declaration))) {
      if (isPublished(member)) out.push(`${name}.${memberName(member)}`);
    }
  }
  return out;
}

/** Declared in our own `dist/` (not inherited from Node's types) and reachable by a user. */
function isPublished(member: ts.Symbol): boolean {
  const declarations = member.declarations ?? [];
  if (declarations.length === 0) return true;
  if (declarations.every((d) => d.getSourceFile().fileName.includes(`${path.sep}node_modules${path.sep}`))) return false;
  return !declarations.some((d) => (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Private) !== 0 || member.name.startsWith('#'));
}

/** A well-known symbol's member by the name a user writes, not the checker's internal one. */
function memberName(member: ts.Symbol): string {
  const wellKnown = /^__@(\w+)@\d+$/.exec(member.name);
  return wellKnown === null ? member.name : `[Symbol.${wellKnown[1]}]`;
}

function protectedMark(member: ts.Symbol): string {
  const protectedFlag = (member.declarations ?? []).some((d) => (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Protected) !== 0);
  return protectedFlag ? ' (protected)' : '';
}
