#!/usr/bin/python3
"""Independent eddsa-rdfc-2022 check with PyLD (JSON-LD + URDNA2015) and python3-cryptography.

Reads {"credentials": [...], "documents": {url: document}} on stdin, prints one JSON array of
"VALID"/"INVALID: reason" lines on stdout. Shares no code with the JavaScript stack it checks.
"""
import copy
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def base58_decode(text):
    number = 0
    for char in text:
        number = number * 58 + ALPHABET.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, 'big')
    return b'\0' * (len(text) - len(text.lstrip('1'))) + raw


def ed25519_key(multibase):
    raw = base58_decode(multibase[1:])
    if not multibase.startswith('z') or raw[:2] != b'\xed\x01' or len(raw) != 34:
        raise ValueError('not an Ed25519 Multikey')
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def verification_method(url, documents):
    did, _, fragment = url.partition('#')
    if did.startswith('did:key:'):
        return {'id': url, 'controller': did, 'publicKeyMultibase': did[len('did:key:'):]}
    document = documents[did]
    if url not in document.get('assertionMethod', []):
        raise ValueError('method is not an assertionMethod of its DID document')
    return next(m for m in document['verificationMethod'] if m['id'] in (url, '#' + fragment))


def canonical_hash(document, loader):
    nquads = jsonld.normalize(document, {'algorithm': 'URDNA2015', 'format': 'application/n-quads', 'documentLoader': loader})
    return hashlib.sha256(nquads.encode('utf-8')).digest()


def verify(credential, documents, loader):
    proofs = credential.get('proof')
    proof = proofs[0] if isinstance(proofs, list) else proofs
    if proof.get('cryptosuite') != 'eddsa-rdfc-2022':
        return 'INVALID: not eddsa-rdfc-2022'
    unsecured = {k: v for k, v in credential.items() if k != 'proof'}
    config = {k: v for k, v in proof.items() if k != 'proofValue'}
    config['@context'] = credential['@context']
    method = verification_method(proof['verificationMethod'], documents)
    issuer = credential['issuer']
    issuer_id = issuer['id'] if isinstance(issuer, dict) else issuer
    if method['controller'] != issuer_id:
        return 'INVALID: key controller is not the issuer'
    data = canonical_hash(config, loader) + canonical_hash(unsecured, loader)
    try:
        ed25519_key(method['publicKeyMultibase']).verify(base58_decode(proof['proofValue'][1:]), data)
    except InvalidSignature:
        return 'INVALID: signature'
    return 'VALID'


def main():
    request = json.load(sys.stdin)
    documents = request['documents']

    def loader(url, options=None):
        if url not in documents:
            raise ValueError('no network: ' + url)
        return {'contextUrl': None, 'documentUrl': url, 'document': copy.deepcopy(documents[url])}

    results = []
    for credential in request['credentials']:
        try:
            results.append(verify(credential, documents, loader))
        except Exception as error:  # a report per credential, like the verifier under test
            results.append('INVALID: %s' % error)
    print(json.dumps(results))


if __name__ == '__main__':
    main()
