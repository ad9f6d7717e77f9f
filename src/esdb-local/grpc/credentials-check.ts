import { timingSafeEqual } from 'node:crypto';
import { type Metadata, type ServiceDefinition, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { serviceError } from './service-errors.js';

/** The one user esdb-local accepts when it is started with credentials. */
export interface EsdbLocalCredentials {
  readonly username: string;
  readonly password: string;
}

/** As EventStoreDB answers an anonymous caller on a protected operation. */
const accessDenied = () => serviceError(status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' });

/** As EventStoreDB answers credentials it does not know (its HTTP layer's 401). */
const badCredentials = () => serviceError(status.UNAUTHENTICATED, 'Bad credentials');

const sameBytes = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Why a call's `authorization` metadata is refused, or undefined when it names the user. */
const refusal = (credentials: EsdbLocalCredentials, metadata: Metadata) => {
  const [header] = metadata.get('authorization');
  if (header === undefined) return accessDenied();
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return sameBytes(String(header), expected) ? undefined : badCredentials();
};

type AnyCall = { metadata: Metadata; emit(event: 'error', error: unknown): boolean };
type Handler = (call: AnyCall, callback?: (error: unknown, value?: unknown) => void) => void;

/**
 * Wraps every method of a service so that a call without the user's Basic credentials is refused
 * before its handler runs: unary and client-streaming calls through their callback, streaming
 * responses with an `error`. The client attaches the credentials to each call's metadata.
 */
export const requireCredentials = (
  credentials: EsdbLocalCredentials,
  service: ServiceDefinition,
  implementation: UntypedServiceImplementation,
): UntypedServiceImplementation =>
  Object.fromEntries(
    Object.entries(implementation).map(([name, handler]) => {
      const respondsWithStream = service[name]?.responseStream === true;
      const guarded: Handler = (call, callback) => {
        const refused = refusal(credentials, call.metadata);
        if (refused === undefined) return (handler as Handler)(call, callback);
        if (respondsWithStream) call.emit('error', refused);
        else callback?.(refused, null);
      };
      return [name, guarded];
    }),
  ) as UntypedServiceImplementation;
