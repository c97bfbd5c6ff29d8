import { describe, expect, it } from 'vitest';
import { buildDidDocument } from './did-document.js';
import { didKeyFromP256Jwk, didWebForIssuer, issuerDid, namesRealHost, verificationMethodId } from './identifiers.js';
import { generateEd25519KeyPair, generateP256KeyPair } from './keys.js';

describe('identifiers', () => {
  it('derives did:web from the public URL and issuer path', () => {
    expect(didWebForIssuer('https://badges.example.edu', 'iss_1')).toEqual({
      method: 'web',
      did: 'did:web:badges.example.edu:issuers:iss_1',
      documentUrl: 'https://badges.example.edu/issuers/iss_1/did.json',
    });
    expect(didWebForIssuer('https://example.edu:8443/laurel/', 'iss_2')).toEqual({
      method: 'web',
      did: 'did:web:example.edu%3A8443:laurel:issuers:iss_2',
      documentUrl: 'https://example.edu:8443/laurel/issuers/iss_2/did.json',
    });
  });

  it('uses did:web only for real hosts', () => {
    for (const url of ['https://badges.example.edu', 'https://b.univ.ac.uk:8443/x']) expect(namesRealHost(url)).toBe(true);
    for (const url of ['http://badges.example.edu', 'https://localhost:3000', 'https://127.0.0.1', 'https://[::1]:8080', 'https://laurel', 'https://box.local', 'https://a.localhost', 'not a url']) {
      expect(namesRealHost(url)).toBe(false);
    }
    const ed = generateEd25519KeyPair();
    expect(issuerDid({ publicUrl: 'http://localhost:3000', issuerId: 'iss_1', ed25519PublicKeyMultibase: ed.publicKeyMultibase })).toEqual({
      method: 'key',
      did: `did:key:${ed.publicKeyMultibase}`,
    });
  });

  it('names did:key methods by the key and did:web methods by a versioned fragment', () => {
    const ed = generateEd25519KeyPair();
    const keyDid = issuerDid({ publicUrl: 'http://localhost', issuerId: 'x', ed25519PublicKeyMultibase: ed.publicKeyMultibase });
    expect(verificationMethodId(keyDid, ed)).toBe(`did:key:${ed.publicKeyMultibase}#${ed.publicKeyMultibase}`);
    const p = generateP256KeyPair();
    expect(didKeyFromP256Jwk(p.publicKeyJwk)).toMatch(/^did:key:zDn/);
    const web = didWebForIssuer('https://badges.example.edu', 'iss_1');
    expect(verificationMethodId(web, generateEd25519KeyPair(2))).toBe('did:web:badges.example.edu:issuers:iss_1#ed25519-2');
  });

  it('builds a DID document listing old and new keys, controller = DID, assertionMethod as strings', () => {
    const web = didWebForIssuer('https://badges.example.edu', 'iss_1');
    const keys = [generateEd25519KeyPair(1), generateEd25519KeyPair(2), generateP256KeyPair(1)];
    const document = buildDidDocument(web, keys);
    expect(document['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
    expect(document.assertionMethod).toEqual([`${web.did}#ed25519-1`, `${web.did}#ed25519-2`, `${web.did}#p256-1`]);
    for (const method of document.verificationMethod as { controller: string }[]) expect(method.controller).toBe(web.did);
    expect(JSON.stringify(document)).not.toContain('privateKey');
  });
});
