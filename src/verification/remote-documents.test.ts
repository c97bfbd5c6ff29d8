import { describe, expect, it } from 'vitest';
import { didWebDocumentUrl, isForbiddenAddress, remoteDocumentFetcher } from './remote-documents.js';

describe('fetching other issuers documents', () => {
  it('maps did:web identifiers to their HTTPS documents', () => {
    expect(didWebDocumentUrl('did:web:example.edu')).toBe('https://example.edu/.well-known/did.json');
    expect(didWebDocumentUrl('did:web:example.edu%3A8443:issuers:iss_1')).toBe('https://example.edu:8443/issuers/iss_1/did.json');
    expect(didWebDocumentUrl('did:key:z6Mk')).toBeUndefined();
  });

  it('treats private, loopback, link-local and mapped addresses as forbidden', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) expect(isForbiddenAddress(address), address).toBe(false);
  });

  it('fetches nothing from hosts the operator did not allow, nor over plain HTTP', async () => {
    const fetcher = remoteDocumentFetcher({ allowedHosts: ['badges.partner.example'] });
    await expect(fetcher('https://elsewhere.example/status/1')).resolves.toBeUndefined();
    await expect(fetcher('did:web:elsewhere.example')).resolves.toBeUndefined();
    await expect(fetcher('http://badges.partner.example/status/1')).resolves.toBeUndefined();
    await expect(fetcher('https://badges.partner.example:8443/status/1')).resolves.toBeUndefined();
  });

  it('allows exactly the port an entry names', async () => {
    const fetcher = remoteDocumentFetcher({ allowedHosts: ['localhost:8443'], timeoutMs: 2000 });
    await expect(fetcher('https://localhost/.well-known/did.json')).resolves.toBeUndefined();
    await expect(fetcher('https://localhost:8443/.well-known/did.json')).rejects.toThrow(/private address/);
  });

  it('refuses an allowed host that resolves to a private address', async () => {
    const fetcher = remoteDocumentFetcher({ allowedHosts: ['localhost'], timeoutMs: 2000 });
    await expect(fetcher('https://localhost/.well-known/did.json')).rejects.toThrow(/private address/);
  });
});
