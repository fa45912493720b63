"""Code that several passes share and that is not itself a pass.

`compiler/transforms/` and `compiler/conversion/` hold passes only, one per
file named after its CLI name; what they have in common lives here:
outlining ops into region ops (`outlining`), the fusion planners' op graph and
DNNFusion's mapping-type table (`fusion_graph`, `fusion_table`,
`profile_db`), compile-time weight values (`graph_constants`), the algebraic
rewrite rules (`algebraic_rules`), kernel latency annotation (`latency`) and
op classes that several graph passes match (`graph_matching`).
"""
