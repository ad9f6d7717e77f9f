import { randomUUID } from 'node:crypto';
import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { gossip, serverFeatures, shared } from './generated.js';

/** The EventStoreDB release whose behaviour esdb-local follows, as its ServerFeatures reports it. */
export const SERVER_VERSION = '24.10.0';

/** The methods esdb-local serves, as `service/method` in lower case like EventStoreDB lists them. */
const SUPPORTED: readonly { service: string; method: string; features?: string[] }[] = [
  { service: 'event_store.client.streams.streams', method: 'read', features: ['position', 'events'] },
  { service: 'event_store.client.streams.streams', method: 'append' },
  { service: 'event_store.client.streams.streams', method: 'batchappend' },
  { service: 'event_store.client.streams.streams', method: 'delete' },
  { service: 'event_store.client.streams.streams', method: 'tombstone' },
  { service: 'event_store.client.gossip.gossip', method: 'read' },
  { service: 'event_store.client.server_features.serverfeatures', method: 'getsupportedmethods' },
];

/**
 * `ServerFeatures.GetSupportedMethods`. The client asks once per connection and takes its fast
 * paths (BatchAppend) only for what is listed here.
 */
export const handleGetSupportedMethods = (
  _call: ServerUnaryCall<shared.Empty, serverFeatures.SupportedMethods>,
  callback: sendUnaryData<serverFeatures.SupportedMethods>,
): void => {
  const methods = SUPPORTED.map(({ service, method, features = [] }) =>
    new serverFeatures.SupportedMethod().setServiceName(service).setMethodName(method).setFeaturesList(features),
  );
  callback(
    null,
    new serverFeatures.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION),
  );
};

/** How clients should reach this node: what it advertises in gossip. */
export interface AdvertisedEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * `Gossip.Read`: a cluster of one, whose only member is alive and leads. Clients that discover
 * (`esdb+discover://`, several hosts) pick it and connect to the endpoint it advertises.
 */
export const handleGossipRead = (endpoint: () => AdvertisedEndpoint) => {
  const instanceId = new shared.UUID().setString(randomUUID());
  return (
    _call: ServerUnaryCall<shared.Empty, gossip.ClusterInfo>,
    callback: sendUnaryData<gossip.ClusterInfo>,
  ): void => {
    const { host, port } = endpoint();
    const member = new gossip.MemberInfo()
      .setInstanceId(instanceId)
      .setTimeStamp(String(BigInt(Date.now()) * 10_000n))
      .setState(gossip.MemberInfo.VNodeState.LEADER)
      .setIsAlive(true)
      .setHttpEndPoint(new gossip.EndPoint().setAddress(host).setPort(port));
    callback(null, new gossip.ClusterInfo().setMembersList([member]));
  };
};
