"""dyadstats: a reproducible dyad-year pipeline for the democratic peace and coercive diplomacy."""

__version__ = "0.1.0"
