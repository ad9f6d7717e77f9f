export { devSecretPath, loadOrCreateDevSecret, readDevSecret } from './dev-secret.js';
export { type Identity, type Role, rolesFromClaims, userRoles } from './identity.js';
export { type DevelopmentToken, mintDevelopmentTokens, mintToken, parseTtl, type TokenRequest } from './mint-token.js';
export {
  type Authenticate,
  createTokenVerifier,
  type TokenVerifierOptions,
  UnauthenticatedError,
} from './token-verifier.js';
export { cachingVerifiedTokens } from './verified-token-cache.js';
