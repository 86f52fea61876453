"""Benchmarks: Solomon VRPTW, periodic VRP with intermediate facilities, and the demo district's week.

Each recomputes costs with its own evaluator and checks every hard rule, so a figure in RESULTS.md never rests
on a solver's own say-so.
"""
