import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedIdentity } from '../../../src/esdb-local/tls-certificate.js';

describe('selfSignedIdentity', () => {
  it('makes a certificate signed by its own key, valid now, for the names given', async () => {
    const now = new Date('2026-12-02T20:00:00Z');
    const identity = await selfSignedIdentity(['127.0.0.1', 'localhost'], now);
    const certificate = new X509Certificate(identity.certificatePem);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe('CN=esdb-local');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificate.checkHost('localhost')).toBe('localhost');
    expect(certificate.checkHost('example.com')).toBeUndefined();
    expect(new Date(certificate.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(now.getTime());
    expect(certificate.ca).toBe(false);
    expect(createPrivateKey(identity.privateKeyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.checkPrivateKey(createPrivateKey(identity.privateKeyPem))).toBe(true);
  });
});
