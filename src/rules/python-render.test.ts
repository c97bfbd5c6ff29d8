import { describe, expect, it } from 'vitest';
import { renderExpected, renderPython } from './python-render.js';

describe('Open edX rendering of values (Python str())', () => {
  it('prints booleans, None and numbers as Python does', () => {
    expect(renderPython(true)).toBe('True');
    expect(renderPython(false)).toBe('False');
    expect(renderPython(null)).toBe('None');
    expect(renderPython(undefined)).toBe('None');
    expect(renderPython(3)).toBe('3');
    expect(renderPython(1, 'number')).toBe('1.0');
    expect(renderPython(0.85, 'number')).toBe('0.85');
    expect(renderPython(1e-5, 'number')).toBe('1e-05');
    expect(renderPython(1e16, 'number')).toBe('1e+16');
    expect(renderPython(1e21, 'integer')).toBe('1000000000000000000000');
  });

  it('prints datetimes with a space separator and +00:00 for UTC', () => {
    expect(renderPython('2024-06-01T10:00:00+00:00', 'datetime')).toBe('2024-06-01 10:00:00+00:00');
    expect(renderPython('2024-06-01T10:00:00.123456Z', 'datetime')).toBe('2024-06-01 10:00:00.123456+00:00');
    expect(renderPython('2024-06-01T10:00:00+00:00', 'string')).toBe('2024-06-01T10:00:00+00:00');
  });

  it('prints records and lists as Python reprs', () => {
    expect(renderPython({ a: 'x', b: [1, true, null] })).toBe("{'a': 'x', 'b': [1, True, None]}");
  });

  it('normalises the ten boolean spellings of expected values, on every rule', () => {
    for (const spelling of ['True', 'true', 'Yes', 'yes', '+']) expect(renderExpected(spelling)).toBe('True');
    for (const spelling of ['False', 'false', 'No', 'no', '-']) expect(renderExpected(spelling)).toBe('False');
    expect(renderExpected('YES')).toBe('YES');
    expect(renderExpected(true)).toBe('True');
    expect(renderExpected(null)).toBe('None');
  });
});
