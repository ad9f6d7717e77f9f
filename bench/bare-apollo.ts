import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/*
 * The baseline of `npm run bench:queries`: Apollo Server 5 on its own, answering a constant
 * `{ hello }`. Run as a child process so it gets a core to itself, like esgraph does.
 */

const server = new ApolloServer({
  typeDefs: 'type Query { hello: String! }',
  resolvers: { Query: { hello: () => 'world' } },
});
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
console.log(`bare apollo listening: ${url}`);
const stop = (): void => {
  server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
