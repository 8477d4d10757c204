"""A fact's verification status from its scores, with thresholds from the settings.

- ``refuted``: other values of its item are asserted and its trust is at most
  ``refuted_max_trust``;
- ``verified``: trust at least ``verified_min_trust`` backed by at least
  ``verified_min_support`` independent sources;
- ``contested``: other values are asserted and neither of the above holds;
- ``unverified``: everything else (a lone or weakly supported claim, or no claim).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kgmem.model import VerificationStatus
from kgmem.settings.config import VerificationSettings


def status_of(
    trust: float | None, support: float, contradiction: int, settings: VerificationSettings
) -> VerificationStatus:
    """The status a fact with these scores gets."""
    if trust is None:
        return "unverified"
    if contradiction > 0 and trust <= settings.refuted_max_trust:
        return "refuted"
    if trust >= settings.verified_min_trust and support >= settings.verified_min_support:
        return "verified"
    if contradiction > 0:
        return "contested"
    return "unverified"


def statuses(
    trust: npt.NDArray[np.float64],
    support: npt.NDArray[np.float64],
    contradiction: npt.NDArray[np.int64],
    settings: VerificationSettings,
) -> list[str]:
    """``status_of`` for many scored facts at once (the same rules in the same order)."""
    contested = contradiction > 0
    refuted = contested & (trust <= settings.refuted_max_trust)
    verified = (trust >= settings.verified_min_trust) & (support >= settings.verified_min_support)
    codes = np.select([refuted, verified, contested], [0, 1, 2], default=3)
    names = np.array(["refuted", "verified", "contested", "unverified"], dtype=object)
    out: list[str] = names[codes].tolist()
    return out
