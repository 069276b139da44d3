"""Simulated data with known parameters and synthetic worlds, for tests, benchmarks and users."""
