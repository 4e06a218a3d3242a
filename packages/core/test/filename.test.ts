import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeDirectory, safeFilename, validateFilename } from '@frago/core';

describe('safeFilename', () => {
  it('always gives one harmless, non-empty path segment of at most 180 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (name) => {
        const safe = safeFilename(name);
        expect(safe.length).toBeGreaterThan(0);
        expect(new TextEncoder().encode(safe).byteLength).toBeLessThanOrEqual(180);
        expect(safe).not.toMatch(/[/\\\u0000-\u001f<>:"|?*]/);
        expect(safe.startsWith('.')).toBe(false);
        expect(safe.normalize('NFKC')).not.toMatch(/[/\\]/);
      }),
    );
  });

  it('keeps ordinary names and their extensions', () => {
    expect(safeFilename('drone video 2024.mp4')).toBe('drone video 2024.mp4');
    expect(safeFilename('ünïcödé.tar.gz')).toBe('ünïcödé.tar.gz');
    expect(safeFilename(`${'a'.repeat(500)}.mkv`)).toMatch(/^a+\.mkv$/);
  });

  it('defuses traversal, absolute paths, lookalike slashes and device names', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Windows\\win.ini')).toBe('win.ini');
    expect(safeFilename('\u2215etc\u2215passwd')).toBe('passwd');
    expect(safeFilename('．．／x')).toBe('x');
    expect(safeFilename('..')).toBe('file');
    expect(safeFilename('CON')).toBe('_CON');
    expect(safeFilename('lpt1.txt')).toBe('_lpt1.txt');
    expect(safeFilename('\u202Egnp.exe')).toBe('_gnp.exe');
    expect(safeFilename('\ud800lone.txt')).toBe('_lone.txt');
  });

  it('keeps directories below their root', () => {
    expect(safeDirectory('../../x/./y/..')).toBe('x/y');
    expect(safeDirectory('/abs/path')).toBe('abs/path');
    expect(safeDirectory('..')).toBe('');
  });
});

describe('validateFilename', () => {
  it('accepts any name without NUL and refuses the rest', () => {
    expect(validateFilename('../x')).toBe('../x');
    for (const bad of ['', '   ', 'a\u0000b', 'x'.repeat(1025), 42, null]) {
      expect(() => validateFilename(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_FILENAME' }));
    }
  });
});
