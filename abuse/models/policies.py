from datetime import timedelta

from django.db import models

from ..choices import Category, Severity


class SlaPolicy(models.Model):
    """Deadlines for one category and severity, edited by staff in the admin.

    A blank category or severity matches any. The most specific active row
    applies: category and severity, then category only, then severity only,
    then the catch-all row.
    """

    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, null=True, blank=True)
    response_time = models.DurationField(
        default=timedelta(hours=24), help_text="Time for the lessee's first response."
    )
    resolution_time = models.DurationField(
        default=timedelta(hours=72), help_text="Time from the case opening to mitigation."
    )
    suspend_on_breach = models.BooleanField(
        default=False, help_text="Suspend the lease at fault when the resolution deadline passes."
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "severity"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"],
                name="slapolicy_unique_category_severity",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(response_time__lte=models.F("resolution_time")),
                name="slapolicy_response_before_resolution",
                violation_error_message="The response time must not exceed the resolution time.",
            ),
        ]

    def __str__(self):
        category = self.get_category_display() if self.category else "any category"
        severity = self.get_severity_display() if self.severity else "any severity"
        return f"{category}, {severity}: respond {self.response_time}, resolve {self.resolution_time}"
