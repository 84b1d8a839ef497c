from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.contrib.postgres.indexes import OpClass

from core.fields import CidrField

from .choices import RIR, ListingStatus, Terms, VerificationMethod, VerificationStatus

# The private 32-bit ASN range (RFC 6996). Each ROA proof request gets an
# origin ASN drawn from it. 4294967295 is reserved (RFC 7300), so the range
# stops one below.
PROOF_ASN_FIRST = 4_200_000_000
PROOF_ASN_LAST = 4_294_967_294


class IPBlock(models.Model):
    """A holder's IPv4 block, as registered with its RIR.

    No two blocks overlap: an exclusion constraint on the prefix enforces it,
    so concurrent inserts cannot both succeed.
    """

    prefix = CidrField(unique=True)
    holder = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="blocks"
    )
    rir = models.CharField("RIR", max_length=8, choices=RIR.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verification_method = models.CharField(
        max_length=16, choices=VerificationMethod.choices, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_requested_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the holder last requested a ROA proof; the proof fails "
        "MARKETPLACE_PROOF_DAYS after it.",
    )
    proof_asn = models.PositiveBigIntegerField(
        "proof ASN", null=True, blank=True,
        help_text="Origin ASN that the ROA of the latest ROA proof request must name. Each request "
        "draws a new one at random from the private range, so a ROA made for an earlier request "
        "does not count.",
    )
    verification_note = models.CharField(
        max_length=500, blank=True,
        help_text="Outcome of the last ROA check: the VRP that proved control, or why the proof failed.",
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["prefix"]
        verbose_name = "IP block"
        # The exclusion constraint's GiST index (inet_ops) also serves the
        # containment lookups, so the prefix needs no second index.
        constraints = [
            ExclusionConstraint(
                name="ipblock_no_overlap",
                expressions=[(OpClass("prefix", name="inet_ops"), RangeOperators.OVERLAPS)],
                violation_error_message="This block overlaps a block that is already registered.",
            ),
            # The ROA check fails a pending proof by its request time, so a
            # proof without one would stay pending for ever.
            models.CheckConstraint(
                condition=~models.Q(
                    verification_status=VerificationStatus.PENDING,
                    verification_method=VerificationMethod.ROA,
                )
                | models.Q(verification_requested_at__isnull=False),
                name="ipblock_roa_proof_requested_at",
                violation_error_message="Fill in the verification requested at field, because a "
                "pending ROA proof fails a fixed number of days after its request.",
            ),
            # The ROA check looks for a VRP with the proof ASN, so a pending
            # proof without one could never be verified.
            models.CheckConstraint(
                condition=~models.Q(
                    verification_status=VerificationStatus.PENDING,
                    verification_method=VerificationMethod.ROA,
                )
                | models.Q(proof_asn__isnull=False),
                name="ipblock_roa_proof_asn_set",
                violation_error_message="A pending ROA proof needs a proof ASN.",
            ),
            models.CheckConstraint(
                condition=models.Q(proof_asn__isnull=True)
                | models.Q(proof_asn__gte=PROOF_ASN_FIRST, proof_asn__lte=PROOF_ASN_LAST),
                name="ipblock_proof_asn_private",
                violation_error_message=f"The proof ASN must be a private ASN from {PROOF_ASN_FIRST} "
                f"to {PROOF_ASN_LAST}.",
            ),
        ]
        indexes = [
            # The ROA check reads only the pending proofs.
            models.Index(
                fields=["verification_requested_at"],
                condition=models.Q(verification_status=VerificationStatus.PENDING),
                name="ipblock_pending_proof_idx",
            ),
        ]

    def __str__(self):
        return str(self.prefix)

    @property
    def address_count(self):
        return self.prefix.num_addresses


class Listing(models.Model):
    """A block offered on the marketplace, with its price and terms."""

    block = models.OneToOneField(IPBlock, on_delete=models.PROTECT, related_name="listing")
    price_per_ip_month = models.DecimalField(
        "price per IP per month",
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code.")
    terms = models.CharField(max_length=8, choices=Terms.choices, default=Terms.BOTH)
    yearly_discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("90"))],
        help_text="Discount on the monthly price for yearly terms, in percent.",
    )
    allow_split = models.BooleanField(
        default=True, help_text="Whether lessees may rent parts of the block."
    )
    max_prefix_length = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(8), MaxValueValidator(24)],
        help_text="The longest (smallest) prefix a lessee may rent, for example 24 for a /24.",
    )
    status = models.CharField(
        max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    description = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["block__prefix"]
        indexes = [models.Index(fields=["status", "price_per_ip_month"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_per_ip_month__gt=0), name="listing_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(yearly_discount_percent__gte=0)
                & models.Q(yearly_discount_percent__lte=90),
                name="listing_yearly_discount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_prefix_length__gte=8) & models.Q(max_prefix_length__lte=24),
                name="listing_max_prefix_length_range",
            ),
        ]

    def __str__(self):
        return f"{self.block.prefix} at {self.price_per_ip_month} {self.currency}/IP/month"

    @property
    def holder(self):
        return self.block.holder

    def accepts_term(self, term):
        return self.terms == Terms.BOTH or self.terms == term

    def rentable_prefix_lengths(self):
        """Return the prefix lengths a lessee may choose, shortest first."""
        block_length = self.block.prefix.prefixlen
        if not self.allow_split:
            return [block_length]
        return list(range(block_length, max(self.max_prefix_length, block_length) + 1))

    def price_for_term(self, term):
        """Return the per-IP monthly price that applies to `term`."""
        from leases.choices import Term

        if term == Term.YEARLY and self.yearly_discount_percent:
            factor = (Decimal("100") - Decimal(self.yearly_discount_percent)) / Decimal("100")
            return (Decimal(self.price_per_ip_month) * factor).quantize(Decimal("0.0001"))
        return self.price_per_ip_month
