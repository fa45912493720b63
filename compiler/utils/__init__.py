"""Code that several passes share and that is not itself a pass.

`compiler/transforms/` and `compiler/conversion/` hold passes only, one per
file named after its CLI name; what they have in common lives here:
outlining ops into region ops (`outlining`), the fusion planners' op graph and
DNNFusion's mapping-type table (`fusion_graph`, `fusion_table`,
`profile_db`), compile-time weight values (`graph_constants`), the algebraic
rewrite rules (`algebraic_rules`) and kernel latency annotation (`latency`).
Facts about single ops (a view, a pattern kind, ...) live on the ops, in the dialects.
"""
