"""Demo data for the marketplace: holders, lessees, blocks, listings and leases.

Everything lies in lab space (100.64.0.0/10 shared, 198.18.0.0/15
benchmarking), so the demo needs LAB_RANGES_ALLOWED. Rows are created with
bulk_create and identified by unique names and prefixes, so a second run
creates nothing new.
"""

import ipaddress
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership, Organization, Role
from leases.choices import LeaseState, Term
from leases.models import Lease, LeaseEvent
from leases.periods import term_end

from .choices import RIR, ListingStatus, Terms, VerificationStatus
from .models import IPBlock, Listing

HOLDER_COUNT = 50
LESSEE_COUNT = 300
BLOCK_COUNT = 1000
# Consecutive /24s from the start of the shared address space; 1,000 fit in 100.64.0.0/14.
BLOCK_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
# Larger blocks of the demo holder, which lessees may split.
DEMO_HOLDER_BLOCKS = ("198.18.0.0/20", "198.18.16.0/22")
COUNTRIES = ("NL", "DE", "GB", "FR", "SE", "US", "CA", "SG", "JP", "BR", "ZA", "AU")
SEED = 20240601


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    organization: str | None


DEMO_LOGINS = (
    DemoLogin("admin", "demo-admin-password", "staff superuser (/admin/)", None),
    DemoLogin("holder", "demo-holder-password", "holder", "Example Holder Networks"),
    DemoLogin("lessee", "demo-lessee-password", "lessee", "Example Lessee Hosting"),
)


def _organization(name, country):
    slug = slugify(name)
    return Organization(name=name, slug=slug, country=country, abuse_email=f"abuse@{slug}.example")


def _ensure_organizations(names_and_countries):
    names = [name for name, _ in names_and_countries]
    existing = set(Organization.objects.filter(name__in=names).values_list("name", flat=True))
    Organization.objects.bulk_create(
        [
            _organization(name, country)
            for name, country in names_and_countries
            if name not in existing
        ]
    )
    return {
        organization.name: organization
        for organization in Organization.objects.filter(name__in=names)
    }


def _ensure_owners(organizations):
    """Give every demo organisation an owner account; those accounts cannot log in."""
    User = get_user_model()
    usernames = {
        organization.name: f"demo-{organization.slug}"[:150]
        for organization in organizations.values()
    }
    existing = set(User.objects.filter(username__in=usernames.values()).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=username, email=f"{username}@example.net", password=make_password(None))
            for username in usernames.values()
            if username not in existing
        ]
    )
    users = {user.username: user for user in User.objects.filter(username__in=usernames.values())}
    Membership.objects.bulk_create(
        [
            Membership(user=users[usernames[name]], organization=organization, role=Role.OWNER)
            for name, organization in organizations.items()
        ],
        ignore_conflicts=True,
    )


def _ensure_login(login, organization):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=login.username, defaults={"email": f"{login.username}@example.net"}
    )
    if created:
        user.set_password(login.password)
        if organization is None:
            user.is_staff = True
            user.is_superuser = True
        user.save()
    if organization is not None:
        Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": Role.OWNER})


def _block_prefixes():
    first = int(BLOCK_SPACE.network_address)
    return [ipaddress.IPv4Network((first + index * 256, 24)) for index in range(BLOCK_COUNT)]


def _ensure_blocks(holders, demo_holder, rng):
    planned = [
        (prefix, holders[index % len(holders)]) for index, prefix in enumerate(_block_prefixes())
    ]
    planned += [(ipaddress.IPv4Network(prefix), demo_holder) for prefix in DEMO_HOLDER_BLOCKS]
    prefixes = [prefix for prefix, _ in planned]
    existing = set(IPBlock.objects.filter(prefix__in=prefixes).values_list("prefix", flat=True))
    new_blocks = []
    for prefix, holder in planned:
        # The random draws happen for every block so that a rerun draws the same values.
        rir = rng.choice(RIR.values)
        country = rng.choice(COUNTRIES)
        if prefix in existing:
            continue
        new_blocks.append(
            IPBlock(
                prefix=prefix, holder=holder, rir=rir, country=country,
                verification_status=VerificationStatus.VERIFIED,
                verified_at=timezone.now(),
            )
        )
    IPBlock.objects.bulk_create(new_blocks)
    return list(IPBlock.objects.filter(prefix__in=prefixes).order_by("prefix"))


def _ensure_listings(blocks, rng, now):
    listed = set(Listing.objects.filter(block__in=blocks).values_list("block_id", flat=True))
    new_listings = []
    for block in blocks:
        price = Decimal(rng.randrange(30, 95)) / Decimal(100)
        terms = rng.choice([Terms.BOTH, Terms.BOTH, Terms.MONTHLY, Terms.YEARLY])
        discount = Decimal(rng.choice([0, 5, 10, 15]))
        if block.pk in listed:
            continue
        new_listings.append(
            Listing(
                block=block,
                price_per_ip_month=price,
                terms=terms,
                yearly_discount_percent=discount,
                allow_split=block.prefix.prefixlen < 24,
                max_prefix_length=24,
                status=ListingStatus.PUBLISHED,
                published_at=now - timedelta(days=400),
            )
        )
    Listing.objects.bulk_create(new_listings)
    listings = Listing.objects.filter(block__in=blocks).select_related("block")
    return {listing.block_id: listing for listing in listings}


def _planned_leases(blocks, listings, lessees, rng, now):
    """Plan the leases of the /24 blocks: about 60% running, a third of those after an ended lease.

    Each plan is (listing, lessee, term, start, end, state).
    """
    plans = []
    for block in blocks:
        if block.prefix.prefixlen != 24:
            continue
        listing = listings[block.pk]
        draw = rng.random()
        lessee = rng.choice(lessees)
        earlier_lessee = rng.choice(lessees)
        accepted = [term for term in (Term.MONTHLY, Term.YEARLY) if listing.accepts_term(term)]
        term = rng.choice(accepted)
        days_ago = rng.randrange(1, 300)
        history_days = rng.randrange(40, 400)
        if draw >= 0.6:
            continue
        start = now - timedelta(days=days_ago if term == Term.YEARLY else days_ago % 28 + 1)
        if draw < 0.2:
            # History: an earlier lessee's lease that ended before the current one began.
            ended_start = start - timedelta(days=history_days)
            ended_end = min(term_end(ended_start, accepted[0]), start)
            plans.append((listing, earlier_lessee, accepted[0], ended_start, ended_end, LeaseState.ENDED))
        plans.append((listing, lessee, term, start, term_end(start, term), LeaseState.ACTIVE))
    return plans


def _give_demo_lessee_leases(plans, demo_lessee):
    """Hand the first running and ended leases to the demo lessee, so its login shows both."""
    remaining = {LeaseState.ACTIVE: 3, LeaseState.ENDED: 2}
    result = []
    for plan in plans:
        listing, lessee, term, start, end, state = plan
        if remaining.get(state):
            remaining[state] -= 1
            lessee = demo_lessee
        result.append((listing, lessee, term, start, end, state))
    return result


def _ensure_leases(blocks, listings, lessees, demo_lessee, rng, now):
    plans = _planned_leases(blocks, listings, lessees, rng, now)
    plans = _give_demo_lessee_leases(plans, demo_lessee)
    leased_blocks = set(Lease.objects.filter(block__in=blocks).values_list("block_id", flat=True))
    new_leases = []
    for listing, lessee, term, start, end, state in plans:
        if listing.block_id in leased_blocks:
            continue
        new_leases.append(
            Lease(
                listing=listing,
                block_id=listing.block_id,
                lessee=lessee,
                prefix=listing.block.prefix,
                term=term,
                price_per_ip_month=listing.price_for_term(term),
                currency=listing.currency,
                period=DateTimeTZRange(start, end, "[)"),
                auto_renew=state == LeaseState.ACTIVE,
                # A private-use ASN (64512-65534) per lessee.
                origin_asn=64512 + lessee.pk % 1000,
                state=state,
                activated_at=start,
                ended_at=end if state == LeaseState.ENDED else None,
            )
        )
    created = Lease.objects.bulk_create(new_leases)
    LeaseEvent.objects.bulk_create([event for lease in created for event in _history(lease)])


def _history(lease):
    """Return the events a lease would have collected: reserved, activated and maybe ended."""
    Kind = LeaseEvent.Kind
    start, end = lease.period.lower, lease.period.upper
    events = [
        LeaseEvent(lease=lease, kind=Kind.RESERVED, to_state=LeaseState.RESERVED,
                   created_at=start - timedelta(minutes=5)),
        LeaseEvent(lease=lease, kind=Kind.ACTIVATED, from_state=LeaseState.RESERVED,
                   to_state=LeaseState.ACTIVE, created_at=start),
    ]
    if lease.state == LeaseState.ENDED:
        events.append(
            LeaseEvent(lease=lease, kind=Kind.ENDED, from_state=LeaseState.ACTIVE,
                       to_state=LeaseState.ENDED, created_at=end)
        )
    return events


def seed_marketplace():
    """Create whatever part of the demo marketplace is missing; return the totals."""
    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    holder_names = [f"Demo Holder {index:03d}" for index in range(1, HOLDER_COUNT + 1)]
    lessee_names = [f"Demo Lessee {index:03d}" for index in range(1, LESSEE_COUNT + 1)]
    names = [
        (name, COUNTRIES[index % len(COUNTRIES)])
        for index, name in enumerate(holder_names + lessee_names)
    ]
    names += [(login.organization, "NL") for login in DEMO_LOGINS if login.organization]
    organizations = _ensure_organizations(names)
    _ensure_owners(organizations)
    for login in DEMO_LOGINS:
        _ensure_login(login, organizations.get(login.organization))

    holders = [organizations[name] for name in holder_names]
    lessees = [organizations[name] for name in lessee_names]
    demo_holder = organizations["Example Holder Networks"]
    # The demo holder also gets a share of the /24s, so its revenue is not empty.
    blocks = _ensure_blocks([*holders, demo_holder], demo_holder, rng)
    listings = _ensure_listings(blocks, rng, now)
    demo_lessee = organizations["Example Lessee Hosting"]
    _ensure_leases(blocks, listings, lessees, demo_lessee, rng, now)
    demo_names = [name for name, _ in names]
    return {
        "organizations": Organization.objects.filter(name__in=demo_names).count(),
        "blocks": len(blocks),
        "listings": len(listings),
        "leases": Lease.objects.filter(block__in=blocks).count(),
    }
