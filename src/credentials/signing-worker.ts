import { DataIntegritySigner } from './data-integrity.js';
import { createDocumentLoader } from './document-loader.js';
import type { SigningJob } from './signing-pool.js';
import { connectToPool } from './worker-pool.js';

// Signing needs only bundled contexts: the proof names the key, it never has to resolve it.
const signer = new DataIntegritySigner(createDocumentLoader());

connectToPool().serve((job) => {
  const { credential, key, created } = job as SigningJob;
  return signer.sign(credential, key, new Date(created));
});
