from .profile import (
    Approval,
    ClientProfile,
    KeyPerson,
    PolicyReview,
    ProfileDocument,
    ProfileEvent,
    RiskAssessment,
)
from .sanctions import SanctionedEntity, SanctionsListVersion
from .screening import Screening, ScreeningMatch, StaffNotice

__all__ = [
    "Approval",
    "ClientProfile",
    "KeyPerson",
    "PolicyReview",
    "ProfileDocument",
    "ProfileEvent",
    "RiskAssessment",
    "SanctionedEntity",
    "SanctionsListVersion",
    "Screening",
    "ScreeningMatch",
    "StaffNotice",
]
