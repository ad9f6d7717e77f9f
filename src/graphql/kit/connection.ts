import { ArgsType, type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { defaultPageSize, maxPageSize, type Page } from '../../core/index.js';

/*
 * Relay-style connections. Cursors are opaque: pass `endCursor` as `after` for the next page.
 */

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the page’s last edge; null for an empty page.' })
  endCursor!: string | null;
}

/** A connection as resolvers return it. */
export interface Connection<Node> {
  readonly edges: readonly { readonly cursor: string; readonly node: Node }[];
  readonly pageInfo: PageInfo;
}

/**
 * The `<Name>Connection` and `<Name>Edge` types of a node type, named after it (`Account` gives
 * `AccountConnection` of `AccountEdge`).
 */
export const connectionType = <Node extends object>(node: ClassType<Node>): ClassType<Connection<Node>> => {
  @ObjectType(`${node.name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: Node;
  }

  @ObjectType(`${node.name}Connection`)
  class NodeConnection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return NodeConnection;
};

/** A page of read-model records as a connection of GraphQL objects. */
export const connectionOf = <Row, Node>(page: Page<Row>, toNode: (row: Row) => Node): Connection<Node> => ({
  edges: page.edges.map(({ cursor, node }) => ({ cursor, node: toNode(node) })),
  pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
});

/** `first` and `after`, the arguments of every paged field. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: defaultPageSize, description: `Page size, 1 to ${maxPageSize}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page.' })
  after?: string | null;
}
