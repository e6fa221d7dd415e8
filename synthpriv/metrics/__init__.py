"""Fidelity and privacy metrics: small, pure functions over polars frames, each tested."""
