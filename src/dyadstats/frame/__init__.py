"""Frame stage: democracy codings, controls, peace-year spells, the analysis frames and their codebook."""
