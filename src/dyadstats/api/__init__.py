"""The Python API: dyad-year frames in the field's verbs, fitted with the workflow's models.

>>> import dyadstats as ds
>>> frame = (ds.dyad_years(1816, 2014).filter_prd().add_mids()
...          .add_democracy("polity").add_contiguity().add_capabilities()
...          .add_major_powers().add_alliances().add_peace_years())      # a recipe: nothing built
>>> df = frame.to_pandas()                                                 # doctest: +SKIP
>>> fit = ds.logit("coercion_onset ~ {joint_democracy} + contiguity_land", frame)  # doctest: +SKIP

Verbs record a recipe (:mod:`dyadstats.api.recipe`); materialising it runs the workflow's own
stage functions on the verified, cached data (:mod:`dyadstats.api.build`,
:mod:`dyadstats.api.home`); :func:`logit` is the models stage's fit (:mod:`dyadstats.api.fit`).
See docs/api.md.
"""

from dyadstats.api.fit import LogitResult, logit
from dyadstats.api.frame import Frame, dyad_years
from dyadstats.api.recipe import Recipe, RecipeError

__all__ = ["Frame", "LogitResult", "Recipe", "RecipeError", "dyad_years", "logit"]
