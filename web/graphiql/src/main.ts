// Workers first: Monaco asks MonacoEnvironment for them as soon as an editor exists.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './page.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { exampleDocument } from './example-document.js';
import { readPageData } from './page-data.js';

const page = readPageData();
const endpoint = `${location.origin}/graphql`;
const socketEndpoint = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;

// Queries and mutations over HTTP POST; a subscription opens a graphql-ws connection whose
// connection_init payload carries the header editor's headers (esgraph reads `authorization` there).
const fetcher = createGraphiQLFetcher({ url: endpoint, subscriptionUrl: socketEndpoint });

const headers = page.headers ? JSON.stringify(page.headers, null, 2) : undefined;
const root = document.getElementById('graphiql');
if (!root) throw new Error('index.html has no #graphiql element');
createRoot(root).render(
  createElement(
    StrictMode,
    null,
    createElement(GraphiQL, {
      fetcher,
      defaultQuery: exampleDocument,
      // Not kept in localStorage (a token is no thing to persist); every load starts with the
      // server's development token, when it has one.
      shouldPersistHeaders: false,
      ...(headers ? { initialHeaders: headers, defaultHeaders: headers, defaultEditorToolsVisibility: 'headers' } : {}),
    }),
  ),
);
