"""Notebook 06: the compute-optimal choice per difficulty bin, for PRM search and for
revisions, as notebooks 06 and 07 both read it."""

from __future__ import annotations

import pandas as pd

from ..compute_optimal import cross_validated_choice
from ..config import Profile
from .chains import revision_candidates
from .search import search_candidates


def search_choice(profile: Profile, searched: pd.DataFrame, bins: pd.Series) -> pd.DataFrame:
    """The cross-validated compute-optimal search strategy per bin and budget (rows: problem,
    strategy, budget, correct, bin, fold) from notebook 04's outcomes; `bins`: problem -> bin."""
    return cross_validated_choice(search_candidates(profile, searched), bins, seed=profile.seed)


def revision_choice(profile: Profile, revised: pd.DataFrame, bins: pd.Series) -> pd.DataFrame:
    """The cross-validated compute-optimal sequential:parallel split per bin and budget, from
    notebook 05's revision outcomes (selected by the revision ORM)."""
    return cross_validated_choice(revision_candidates(revised), bins, seed=profile.seed)


def parallel_revisions(revised: pd.DataFrame) -> pd.DataFrame:
    """The revision outcomes' purely parallel points (one attempt per chain), with `correct`."""
    return revised[revised["s"] == 1].rename(columns={"accuracy": "correct"})
