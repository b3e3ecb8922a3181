// tiny-osmpbf ships no types: the part of its API we use.
declare module 'tiny-osmpbf' {
  export interface OsmNode {
    type: 'node';
    id: number;
    lat: number;
    lon: number;
    tags: Record<string, string>;
  }
  export interface OsmWay {
    type: 'way';
    id: number;
    nodes: number[];
    tags: Record<string, string>;
  }
  export interface OsmRelation {
    type: 'relation';
    id: number;
    tags: Record<string, string>;
  }
  export type OsmElement = OsmNode | OsmWay | OsmRelation;
  /** Parses a whole .osm.pbf; with a handler, calls it per element instead of returning them. */
  function parse(input: Uint8Array, handler: (e: OsmElement) => void): undefined;
  function parse(input: Uint8Array): { elements: OsmElement[] };
  export default parse;
}
