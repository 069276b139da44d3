"""dyadstats' benchmarks: scripts that time the package from the outside and print figures.

``harness`` (measure child processes), ``cases`` (what each case times), ``bench`` (run and
report; ``dyadstats bench`` loads it from the repository), ``yardstick_standard`` (the standard
job as a plain DuckDB + NumPy + statsmodels script), and stand-alone studies
(``coverage_dyadic``, ``mixed_candidates``). None of it is part of the installed package.
"""
