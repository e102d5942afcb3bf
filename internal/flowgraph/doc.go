// Package flowgraph draws a state machine: the states as nodes, their
// transitions (Next, Choice rules, Default, Catch) as edges, Parallel
// branches and Map processors as nested graphs, coloured by what an
// execution did (from its history events). It writes Graphviz DOT and,
// with a layered layout of its own (no Graphviz needed), SVG.
//
// The layout, for each graph and nested graph:
//
//	layers    longest path from Start over the edges that are not back
//	          edges (a depth-first search finds those)
//	order     the nodes of each layer by the mean position of their
//	          neighbours in the layer above, then below (a few sweeps)
//	placement rows top to bottom, each row centred; back edges run on
//	          the right, around the graph
package flowgraph
