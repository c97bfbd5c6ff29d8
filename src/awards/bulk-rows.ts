import { parse } from 'csv-parse/sync';
import { AppError } from '../kernel/errors.js';
import type { AwardRequest } from './service.js';

/** One row of a bulk issue, as sent: the CSV columns, or the same fields in JSON. */
export interface BulkRowInput {
  email?: string;
  name?: string;
  evidence_url?: string;
  narrative?: string;
  issued_on?: string;
  expires_on?: string;
}

export const bulkColumns = ['email', 'name', 'evidence_url', 'narrative', 'issued_on', 'expires_on'] as const;

/** The most rows one bulk issue accepts; larger rosters are split by the caller. */
export const maxBulkRows = 50_000;

/**
 * Parses `email,name,evidence_url,narrative,issued_on,expires_on` CSV (header row required, any
 * column order, unknown columns refused). A malformed file is refused whole with the line number;
 * bad values inside well-formed rows are judged per row later, so they never stop good rows.
 */
export function parseBulkCsv(text: string): BulkRowInput[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, relax_column_count: false });
  } catch (error) {
    throw new AppError('unprocessable', `The CSV could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const header = records.length > 0 ? Object.keys(records[0]!) : [];
  const unknown = header.filter((column) => !(bulkColumns as readonly string[]).includes(column));
  if (unknown.length > 0) throw new AppError('unprocessable', `Unknown CSV column(s): ${unknown.join(', ')}. Expected: ${bulkColumns.join(', ')}.`);
  if (records.length > 0 && !header.includes('email')) throw new AppError('unprocessable', 'The CSV needs an "email" column.');
  return records.map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')) as BulkRowInput);
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function date(value: string | undefined, column: string): Date | undefined | string {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value) ? `${column} "${value}" is not an ISO 8601 date` : parsed;
}

/** A row as an award request, or the reason it is rejected. */
export function bulkRowRequest(row: BulkRowInput): AwardRequest | { rejected: string } {
  const email = row.email?.trim();
  if (!email) return { rejected: 'email is missing' };
  if (!emailPattern.test(email) || email.length > 320) return { rejected: `email "${email}" is not an e-mail address` };
  const issuedOn = date(row.issued_on, 'issued_on');
  if (typeof issuedOn === 'string') return { rejected: issuedOn };
  const expiresOn = date(row.expires_on, 'expires_on');
  if (typeof expiresOn === 'string') return { rejected: expiresOn };
  if (expiresOn && expiresOn <= (issuedOn ?? new Date())) return { rejected: 'expires_on must be after issued_on' };
  if (row.evidence_url !== undefined) {
    try {
      const url = new URL(row.evidence_url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    } catch {
      return { rejected: `evidence_url "${row.evidence_url}" is not an http(s) URL` };
    }
  }
  return {
    recipient: { email, name: row.name?.trim() || undefined },
    evidence: row.evidence_url ? [{ id: row.evidence_url }] : undefined,
    narrative: row.narrative,
    issuedOn,
    expiresOn,
  };
}
