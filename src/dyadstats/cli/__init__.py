"""Command-line front end: `dyadstats run|validate|audit|bench|multiverse` and the quiet console."""
