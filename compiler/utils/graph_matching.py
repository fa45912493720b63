"""Classes of graph ops that several graph passes match on."""

from __future__ import annotations

from dlfc.dialects import graph

ReshapeLike = graph.ReshapeOp | graph.FlattenOp | graph.SqueezeOp | graph.UnsqueezeOp
"""Ops that keep the elements in row-major order and only change the shape."""
