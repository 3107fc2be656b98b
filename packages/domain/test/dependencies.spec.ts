import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

const PACKAGE_ROOT = join(__dirname, '..');
const SOURCE_ROOT = join(PACKAGE_ROOT, 'src');

/** Frameworks and drivers that belong in the adapters, never in the domain. */
const FORBIDDEN_PACKAGES = [
  'express', 'typeorm', 'inversify', 'pino', 'i18next', 'mysql2', 'better-sqlite3', 'class-validator',
];
const FORBIDDEN_BUILTINS = ['fs', 'path', 'crypto', 'stream'];

/**
 * Matches the module of `import … from`, `export … from`, `import '…'`,
 * `import('…')` and `require('…')`, but not a string such as `'import'`.
 */
const MODULE_SPECIFIER =
  /(?<!['"])(?:\bfrom\s*|\bimport\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function listTypeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return listTypeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importedModules(source: string): string[] {
  return [...source.matchAll(MODULE_SPECIFIER)].map((match) => match[1]);
}

/** Returns the package of a specifier, so `typeorm/browser` gives `typeorm` and `@scope/x/y` gives `@scope/x`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isForbidden(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const name = packageName(specifier);
  return FORBIDDEN_PACKAGES.includes(name) || FORBIDDEN_BUILTINS.includes(name);
}

const FILES = listTypeScriptFiles(SOURCE_ROOT).map((path) => [relative(PACKAGE_ROOT, path), path]);

describe('domain dependencies', () => {
  it('finds the source files', () => {
    const names = FILES.map(([name]) => name);
    expect(names).toContain(join('src', 'index.ts'));
    expect(names).toContain(join('src', 'services', 'image-service.ts'));
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  it.each(FILES)('%s imports no framework', (_name, path) => {
    const forbidden = importedModules(readFileSync(path, 'utf8')).filter(isForbidden);
    expect(forbidden).toEqual([]);
  });

  it.each(FILES)('%s imports only relative modules', (_name, path) => {
    const external = importedModules(readFileSync(path, 'utf8')).filter((name) => !name.startsWith('.'));
    expect(external).toEqual([]);
  });

  it('package.json has no dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    expect(manifest.optionalDependencies ?? {}).toEqual({});
  });
});

describe('import detection', () => {
  it.each([
    ["import express from 'express';", 'express'],
    ["import type { Repository } from 'typeorm';", 'typeorm'],
    ["import { DataSource } from 'typeorm/browser';", 'typeorm/browser'],
    ['import { injectable } from "inversify";', 'inversify'],
    ["export * from 'pino';", 'pino'],
    ["import 'i18next';", 'i18next'],
    ["const db = require('better-sqlite3');", 'better-sqlite3'],
    ["const mysql = await import('mysql2/promise');", 'mysql2/promise'],
    ["import { IsString } from 'class-validator';", 'class-validator'],
    ["import { readFile } from 'node:fs/promises';", 'node:fs/promises'],
    ["import { createHash } from 'node:crypto';", 'node:crypto'],
    ["import { Readable } from 'stream';", 'stream'],
    ["import { pipeline } from 'stream/promises';", 'stream/promises'],
    ["import * as fs from 'fs';", 'fs'],
    ["import {\n  join,\n} from 'path';", 'path'],
    ["import { randomUUID } from 'crypto';", 'crypto'],
  ])('flags %j', (source, specifier) => {
    expect(importedModules(source)).toEqual([specifier]);
    expect(isForbidden(specifier)).toBe(true);
  });

  it.each(['./errors', '../model/image', 'path-to-regexp', 'streamx', '@pino/x', 'express-validator'])(
    'allows %s',
    (specifier) => {
      expect(isForbidden(specifier)).toBe(false);
    },
  );
});
