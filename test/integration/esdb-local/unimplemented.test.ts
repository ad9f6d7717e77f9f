import {
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  UnsupportedError,
} from '@eventstore/db-client';
import operationsGrpc from '@eventstore/db-client/generated/operations_grpc_pb.js';
import operations from '@eventstore/db-client/generated/operations_pb.js';
import shared from '@eventstore/db-client/generated/shared_pb.js';
import usersGrpc from '@eventstore/db-client/generated/users_grpc_pb.js';
import users from '@eventstore/db-client/generated/users_pb.js';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { collect, uniqueStream, useEsdbLocal } from '../../support/esdb-local.js';

const esdb = useEsdbLocal();

/** Settles within a few seconds: an unimplemented call must fail, never hang. */
const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  Promise.race([
    promise.then(
      () => new Error('expected a failure, got success'),
      (error: unknown) => error,
    ),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the call hung')), 5_000).unref()),
  ]).then((outcome) => {
    if (outcome instanceof Error && outcome.message === 'expected a failure, got success') throw outcome;
    return outcome;
  });

const unimplemented = { code: status.UNIMPLEMENTED };

describe('services esdb-local does not implement', () => {
  it('persistent subscriptions fail cleanly, through every kind of client call', async () => {
    const stream = uniqueStream('persistent');
    const settings = persistentSubscriptionToStreamSettingsFromDefaults();
    expect(await failureOf(esdb.client.createPersistentSubscriptionToStream(stream, 'group', settings))).toMatchObject(
      unimplemented,
    );
    expect(await failureOf(esdb.client.deletePersistentSubscriptionToStream(stream, 'group'))).toMatchObject(
      unimplemented,
    );
    // Methods the client gates on ServerFeatures are refused before any call.
    const allSettings = persistentSubscriptionToAllSettingsFromDefaults();
    expect(await failureOf(esdb.client.createPersistentSubscriptionToAll('group', allSettings))).toBeInstanceOf(
      UnsupportedError,
    );
    // Without a gRPC method listed, these fall back to EventStoreDB's HTTP API, which is not there either.
    expect(await failureOf(esdb.client.listAllPersistentSubscriptions())).toBeInstanceOf(Error);
    expect(await failureOf(esdb.client.getPersistentSubscriptionToStreamInfo(stream, 'group'))).toBeInstanceOf(Error);
    const subscription = esdb.client.subscribeToPersistentSubscriptionToStream(stream, 'group');
    expect(await failureOf(collect(subscription as AsyncIterable<never>))).toMatchObject(unimplemented);
  });

  it('projections management fails cleanly', async () => {
    expect(await failureOf(esdb.client.createProjection('p', 'fromAll().when({})'))).toMatchObject(unimplemented);
    expect(await failureOf(esdb.client.getProjectionStatus('p'))).toMatchObject(unimplemented);
    expect(await failureOf(esdb.client.listProjections())).toMatchObject(unimplemented);
  });

  it('users and operations fail cleanly with UNIMPLEMENTED', async () => {
    const address = `127.0.0.1:${esdb.server.port}`;
    const unary = <Request, Response>(
      call: (request: Request, callback: (error: ServiceError | null, response?: Response) => void) => unknown,
      request: Request,
    ) =>
      new Promise<Response | undefined>((resolve, reject) =>
        call(request, (error, response) => (error ? reject(error) : resolve(response))),
      );
    const usersClient = new usersGrpc.UsersClient(address, credentials.createInsecure());
    const operationsClient = new operationsGrpc.OperationsClient(address, credentials.createInsecure());
    try {
      const details = new users.DetailsReq().setOptions(new users.DetailsReq.Options().setLoginName('admin'));
      const create = new users.CreateReq().setOptions(
        new users.CreateReq.Options().setLoginName('u').setPassword('p').setFullName('U'),
      );
      const readUsers = usersClient.details(details);
      expect(
        await failureOf(new Promise((resolve, reject) => readUsers.on('error', reject).on('end', resolve))),
      ).toMatchObject(unimplemented);
      expect(await failureOf(unary(usersClient.create.bind(usersClient), create))).toMatchObject(unimplemented);
      const scavenge = new operations.StartScavengeReq().setOptions(
        new operations.StartScavengeReq.Options().setThreadCount(1).setStartFromChunk(0),
      );
      expect(await failureOf(unary(operationsClient.startScavenge.bind(operationsClient), scavenge))).toMatchObject(
        unimplemented,
      );
      expect(
        await failureOf(unary(operationsClient.shutdown.bind(operationsClient), new shared.Empty())),
      ).toMatchObject(unimplemented);
    } finally {
      usersClient.close();
      operationsClient.close();
    }
  });

  it('leave the connection working for what is implemented', async () => {
    await failureOf(esdb.client.getProjectionStatus('p'));
    const stream = uniqueStream('still-works');
    await esdb.client.appendToStream(stream, jsonEvent({ type: 'T', data: {} }));
    expect(await collect(esdb.client.readStream(stream))).toHaveLength(1);
  });
});
