import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/*
 * A self-signed certificate for esdb-local: the official client sends credentials only over TLS
 * (with `tls=false` it drops them), so a server that asks for credentials must speak TLS, and the
 * client trusts it through `tlsCAFile`. Node signs but does not build X.509; `selfsigned` does,
 * over @peculiar/x509 and Node's own WebCrypto.
 */

/** A certificate and its key, PEM-encoded. */
export interface TlsIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/**
 * A fresh P-256 key and a self-signed certificate for `names` (host names or IP addresses), valid
 * from an hour ago for ten years: it is trusted by exactly one client configuration, which a new
 * one replaces.
 */
export const selfSignedIdentity = async (names: readonly string[], now = new Date()): Promise<TlsIdentity> => {
  const pems = await generate([{ name: 'commonName', value: 'esdb-local' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3_600_000),
    notAfterDate: new Date(now.getTime() + TEN_YEARS_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: names.map((name) => (isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name })),
      },
    ],
  });
  return { certificatePem: pems.cert, privateKeyPem: pems.private };
};
