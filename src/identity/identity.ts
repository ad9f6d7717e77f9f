/** The user categories esgraph knows; a token's other role values mean nothing here. */
export const userRoles = ['customer', 'teller', 'manager', 'auditor'] as const;
export type Role = (typeof userRoles)[number];

/** Who a verified token says the caller is. */
export interface Identity {
  /** The token's `sub`: a customer's `ownerId`, and the `userId` in the metadata of the events it causes. */
  readonly userId: string;
  readonly roles: readonly Role[];
  /** The token's `exp`; a WebSocket is closed then. */
  readonly expiresAt?: Date;
}

/**
 * The claim at `path`: the claim of that exact name when there is one (Auth0-style names such as
 * `https://example.com/roles` contain dots), else the dotted path walked into nested objects
 * (Keycloak's `realm_access.roles`).
 */
const claimAt = (claims: Readonly<Record<string, unknown>>, path: string): unknown => {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
};

/** The known roles the claim lists, in our order; anything else the provider puts there is ignored. */
export const rolesFromClaims = (claims: Readonly<Record<string, unknown>>, rolesClaim: string): Role[] => {
  const listed = claimAt(claims, rolesClaim);
  if (!Array.isArray(listed)) return [];
  return userRoles.filter((role) => listed.includes(role));
};
