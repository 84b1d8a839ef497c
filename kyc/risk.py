"""The explainable risk score: a registry of factors, each giving points and an explanation.

A factor is a function `factor(profile, now)` registered with
`@risk_factor("name")`. It returns a FactorResult, or None when it has
nothing to say about this client. The score is the sum of the points.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .choices import RiskLevel
from .models import ClientProfile, RiskAssessment

logger = logging.getLogger(__name__)

FACTORS = {}


@dataclass(frozen=True)
class FactorResult:
    points: int
    explanation: str


def risk_factor(name):
    def register(function):
        FACTORS[name] = function
        return function

    return register


def level_for(score):
    if score >= settings.KYC_RISK_HIGH:
        return RiskLevel.HIGH
    if score >= settings.KYC_RISK_MEDIUM:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def assess(profile, now=None):
    """Compute and store the risk score of `profile` with each factor's points."""
    now = now or timezone.now()
    factors = []
    for name, function in FACTORS.items():
        result = function(profile, now)
        if result is None:
            continue
        factors.append({"factor": name, "points": result.points, "explanation": result.explanation})
    score = sum(item["points"] for item in factors)
    level = level_for(score)
    assessment = RiskAssessment.objects.create(
        profile=profile, score=score, level=level, factors=factors, created_at=now
    )
    ClientProfile.objects.filter(pk=profile.pk).update(risk_score=score, risk_level=level, risk_assessed_at=now)
    profile.risk_score, profile.risk_level, profile.risk_assessed_at = score, level, now
    logger.info("Risk of organisation %s: %s (%s)", profile.organization_id, score, level)
    return assessment
