import { parseArgs } from 'node:util';
import { devSecretPath, mintToken, parseTtl, type Role, readDevSecret, userRoles } from './identity/index.js';

/*
 * npm run token -- --sub ann --roles customer[,teller] [--ttl 1h] [--data-dir D | --secret S]
 *
 * Prints one HS256 token. The secret is --secret, else JWT_SECRET, else the one an embedded
 * esgraph made for its data directory (--data-dir, else DATA_DIR, else ./.data). JWT_ISSUER and
 * JWT_AUDIENCE, when set, go into the token, as the server then checks them.
 */

const usage =
  'usage: npm run token -- --sub <user> --roles <role>[,<role>] [--ttl 1h] [--data-dir <dir> | --secret <secret>]';

const fail = (message: string): never => {
  console.error(`token: ${message}\n${usage}`);
  process.exit(2);
};

const argumentsOf = () => {
  try {
    return parseArgs({
      options: {
        sub: { type: 'string' },
        roles: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        'data-dir': { type: 'string' },
        secret: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
};

const rolesOf = (listed: string): Role[] => {
  const named = listed.split(',').map((role) => role.trim());
  const unknown = named.filter((role) => !(userRoles as readonly string[]).includes(role));
  if (unknown.length > 0) fail(`unknown role ${unknown.join(', ')}; roles are ${userRoles.join(', ')}`);
  return userRoles.filter((role) => named.includes(role));
};

const secretOf = async (given: { secret?: string; dataDir?: string }): Promise<string> => {
  const secret = given.secret ?? process.env.JWT_SECRET?.trim();
  if (secret) return secret;
  const dataDir = given.dataDir ?? (process.env.DATA_DIR?.trim() || './.data');
  return (
    (await readDevSecret(dataDir)) ??
    fail(
      `no secret: pass --secret, set JWT_SECRET, or start esgraph once on ${dataDir} (it makes ${devSecretPath(dataDir)})`,
    )
  );
};

const args = argumentsOf();
if (!args.sub) fail('--sub is required');
if (!args.roles) fail('--roles is required');
if (args.secret !== undefined && args['data-dir'] !== undefined) fail('give --secret or --data-dir, not both');
const ttlSeconds = parseTtl(args.ttl) ?? fail(`--ttl must be like 90s, 30m, 12h or 7d, got "${args.ttl}"`);
const secret = await secretOf({
  ...(args.secret === undefined ? {} : { secret: args.secret }),
  ...(args['data-dir'] === undefined ? {} : { dataDir: args['data-dir'] }),
});
const issuer = process.env.JWT_ISSUER?.trim() || undefined;
const audience = process.env.JWT_AUDIENCE?.trim() || undefined;
console.log(
  await mintToken(secret, {
    sub: args.sub!,
    roles: rolesOf(args.roles!),
    ttlSeconds,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
  }),
);
