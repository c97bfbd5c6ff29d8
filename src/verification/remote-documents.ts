import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { JsonObject } from '../credentials/json.js';

/**
 * Fetching other issuers' documents (did:web DID documents, status lists) for verification. Off
 * unless the operator lists hosts (LAUREL_VERIFY_FETCH_HOSTS); even then only over HTTPS, without
 * redirects, within a size and time limit, and never to a private, loopback or link-local
 * address — checked on the address actually connected to, so DNS tricks cannot reach inside.
 */

const forbidden = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

export function isForbiddenAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const candidate = mapped ?? address;
  const family = isIP(candidate);
  return family === 0 || forbidden.check(candidate, family === 4 ? 'ipv4' : 'ipv6');
}

/** The HTTPS URL of a did:web document (W3C did:web method: `.well-known` for a bare host). */
export function didWebDocumentUrl(did: string): string | undefined {
  if (!did.startsWith('did:web:')) return undefined;
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  if (!host) return undefined;
  return path.length === 0 ? `https://${host}/.well-known/did.json` : `https://${host}/${path.join('/')}/did.json`;
}

export interface RemoteFetchOptions {
  allowedHosts: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
}

/** Resolves a URL or did:web to a JSON document from an allowed host, or undefined when not allowed. */
export function remoteDocumentFetcher(options: RemoteFetchOptions): (url: string) => Promise<JsonObject | undefined> {
  const allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  return async (url) => {
    const target = url.startsWith('did:web:') ? didWebDocumentUrl(url.split('#')[0] ?? url) : url;
    let parsed: URL;
    try {
      parsed = new URL(target ?? '');
    } catch {
      return undefined;
    }
    // `host` carries the port when it is not 443, so `host:port` entries allow exactly that port
    // and a bare host name allows the standard one only.
    if (parsed.protocol !== 'https:' || !allowed.has(parsed.host.toLowerCase())) return undefined;
    return fetchJson(parsed, timeoutMs, maxBytes);
  };
}

/** A DNS lookup that refuses forbidden addresses, so the connection can only go where it was checked. */
function guardedLookup(hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((entry) => isForbiddenAddress(entry.address));
    if (bad || list.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EFORBIDDEN' }), []);
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

function fetchJson(url: URL, timeoutMs: number, maxBytes: number): Promise<JsonObject | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { accept: 'application/json, application/ld+json' }, lookup: guardedLookup, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reject(new Error(`${url.href} answered ${response.statusCode}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return req.destroy(new Error(`${url.href} is larger than ${maxBytes} bytes`));
        chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined);
        } catch {
          reject(new Error(`${url.href} is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url.href} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
