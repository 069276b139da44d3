"""Ingest stage: the source manifest, acquiring verified raw files, reading them (CSV, Stata,
Excel, .rda, Parquet) and canonicalising each into a typed Parquet table."""
