"""Literal pandas readings of peacesciencer's R code: second implementations to compare with.

Each function follows the R source step by step (row order and ties included), not the SQL
dyadstats uses, so that agreement between the two is evidence rather than repetition.
"""

from __future__ import annotations

import pandas as pd


def reference_first_month(spells: pd.DataFrame) -> pd.DataFrame:
    """peacesciencer's ``.contmonths()`` + ``add_contiguity(slice = "first")``.

    Every spell (``ccode1, ccode2, conttype, stdate, enddate``) to its months in table order,
    sorted (stably) by pair and month, then by ccode1 and month as the R code does; the first
    row per directed dyad-year gives its ``conttype``.
    """
    spells = spells.reset_index(drop=True)
    months = [pd.date_range(a, b, freq="MS")
              for a, b in zip(pd.to_datetime(spells["stdate"]), pd.to_datetime(spells["enddate"]), strict=True)]
    counts = [len(m) for m in months]
    x = pd.DataFrame({
        "ccode1": spells["ccode1"].astype("int64").repeat(counts).to_numpy(),
        "ccode2": spells["ccode2"].astype("int64").repeat(counts).to_numpy(),
        "conttype": spells["conttype"].astype("int64").repeat(counts).to_numpy(),
        "date": pd.DatetimeIndex([d for m in months for d in m]),
    })
    x = x.sort_values(["ccode1", "ccode2", "date"], kind="stable").sort_values(["ccode1", "date"], kind="stable")
    x["year"] = x["date"].dt.year
    first = x.groupby(["ccode1", "ccode2", "year"], sort=False).head(1)
    cols = ["ccode1", "ccode2", "year", "conttype"]
    return first[cols].sort_values(["ccode1", "ccode2", "year"]).reset_index(drop=True)
