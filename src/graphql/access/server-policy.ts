import type { AccessPolicy } from '../../core/index.js';

/**
 * The rules of the server's own operations: what the server is, for anyone (a load balancer, a
 * client before sign-in); the WebSocket heartbeat, for anyone signed in; the projections' state,
 * for those who oversee (managers and auditors).
 */
export const serverAccessPolicy: AccessPolicy = {
  queries: {
    serverInfo: { open: 'everyone' },
    projections: { roles: { manager: 'all', auditor: 'all' } },
  },
  subscriptions: {
    heartbeat: { open: 'signed-in' },
  },
  mutations: {},
  commands: {},
};
