/*
 * The official client's own generated protobuf messages and service definitions. Using the very
 * classes @eventstore/db-client decodes with means esdb-local cannot drift from the wire format
 * the client expects. They are CommonJS; Node hands an ES module their `module.exports` as the
 * default import.
 */

import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import gossip from '@eventstore/db-client/generated/gossip_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeatures from '@eventstore/db-client/generated/serverfeatures_pb.js';
import shared from '@eventstore/db-client/generated/shared_pb.js';
import status from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streams from '@eventstore/db-client/generated/streams_pb.js';
import googleAny from 'google-protobuf/google/protobuf/any_pb.js';
import googleEmpty from 'google-protobuf/google/protobuf/empty_pb.js';

/** google.protobuf's well-known `Any` and `Empty`, as BatchAppend's messages use them. */
export const { Any } = googleAny;
export type Any = googleAny.Any;
export const { Empty } = googleEmpty;
export type Empty = googleEmpty.Empty;

export { gossip, gossipGrpc, serverFeatures, serverFeaturesGrpc, shared, status, streams, streamsGrpc };
