import { describe, expect, it } from 'vitest';
import { rolesFromClaims } from '../../src/identity/index.js';

describe('rolesFromClaims', () => {
  it('keeps the known roles of a top-level claim, in a fixed order, and ignores the rest', () => {
    expect(rolesFromClaims({ roles: ['auditor', 'admin', 'customer', 7] }, 'roles')).toEqual(['customer', 'auditor']);
  });

  it('walks a dotted path, as Keycloak nests realm roles', () => {
    expect(rolesFromClaims({ realm_access: { roles: ['teller', 'uma_authorization'] } }, 'realm_access.roles')).toEqual(
      ['teller'],
    );
  });

  it('prefers a claim whose own name contains dots, as Auth0 namespaces custom claims', () => {
    expect(rolesFromClaims({ 'https://bank.test/roles': ['manager'] }, 'https://bank.test/roles')).toEqual(['manager']);
  });

  it.each([
    [{}, 'roles'],
    [{ roles: 'teller' }, 'roles'],
    [{ realm_access: null }, 'realm_access.roles'],
    [{ realm_access: 'teller' }, 'realm_access.roles'],
  ])('gives no roles for %o at %s', (claims, path) => {
    expect(rolesFromClaims(claims, path)).toEqual([]);
  });
});
