/** What a first visit's editor holds: one operation of each kind, ready to run. */
export const exampleDocument = `# esgraph: queries and mutations over
# HTTP, subscriptions over graphql-ws.
# In development, Headers holds the
# dev-teller token (README: Identity).
# Ctrl-Enter runs the operation under
# the cursor.

query ServerInfo {
  serverInfo {
    name
    version
    roles
  }
}

mutation OpenAccount {
  openAccount(
    input: { ownerId: "dev-customer", currency: "EUR" }
  ) {
    accountId
    position
  }
}

subscription EveryTransaction {
  transactionRecorded {
    accountId
    kind
    amount
    balanceAfter
    occurredAt
  }
}
`;
