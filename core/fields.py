"""A Django field for PostgreSQL's `cidr` type and containment lookups.

Values are `ipaddress.IPv4Network` objects in Python. The lookups map to the
PostgreSQL network operators, which a GiST index with `inet_ops` serves:

    prefix__net_contained=x           prefix << x
    prefix__net_contained_or_equal=x  prefix <<= x
    prefix__net_contains=x            prefix >> x
    prefix__net_contains_or_equal=x   prefix >>= x
    prefix__net_overlaps=x            prefix && x

The right-hand side may be a network, an address or a string; it is cast to
`inet` so that a single address works with `net_contains_or_equal`.
"""

import ipaddress

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute


def to_network(value):
    if value is None or isinstance(value, ipaddress.IPv4Network):
        return value
    if isinstance(value, ipaddress.IPv4Address):
        return ipaddress.IPv4Network(value)
    try:
        return ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a valid IPv4 prefix: {exc}.") from exc


class NetworkDescriptor(DeferredAttribute):
    """Turns strings assigned to the field into IPv4Network objects at once.

    A value that does not parse is kept as it is, so that model validation
    reports it with the field's message instead of failing on assignment.
    """

    def __set__(self, instance, value):
        try:
            value = to_network(value)
        except ValidationError:
            pass
        instance.__dict__[self.field.attname] = value


class CidrField(models.Field):
    """An IPv4 prefix stored as PostgreSQL `cidr`."""

    description = "IPv4 prefix (PostgreSQL cidr)"
    descriptor_class = NetworkDescriptor

    def db_type(self, connection):
        return "cidr"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return ipaddress.IPv4Network(str(value))

    def to_python(self, value):
        return to_network(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return str(to_network(value))

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        from django import forms

        defaults = {"form_class": forms.CharField, "max_length": 18}
        defaults.update(kwargs)
        return super().formfield(**defaults)


class NetworkLookup(models.Lookup):
    operator = ""

    def get_prep_lookup(self):
        value = self.rhs
        if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv4Address)):
            return str(value)
        return value

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} ({rhs})::inet", [*lhs_params, *rhs_params]


@CidrField.register_lookup
class NetContained(NetworkLookup):
    lookup_name = "net_contained"
    operator = "<<"


@CidrField.register_lookup
class NetContainedOrEqual(NetworkLookup):
    lookup_name = "net_contained_or_equal"
    operator = "<<="


@CidrField.register_lookup
class NetContains(NetworkLookup):
    lookup_name = "net_contains"
    operator = ">>"


@CidrField.register_lookup
class NetContainsOrEqual(NetworkLookup):
    lookup_name = "net_contains_or_equal"
    operator = ">>="


@CidrField.register_lookup
class NetOverlaps(NetworkLookup):
    lookup_name = "net_overlaps"
    operator = "&&"


@CidrField.register_lookup
class MaskLength(models.Transform):
    """The prefix length of an inet or cidr expression, also as the `__masklen` lookup."""

    lookup_name = "masklen"
    function = "masklen"
    output_field = models.IntegerField()


class FirstAddress(models.Func):
    """The first address of an inet or cidr expression as a number (IPv4: 0 to 2**32 - 1)."""

    template = "((%(expressions)s)::inet - '0.0.0.0'::inet)"
    arity = 1
    output_field = models.BigIntegerField()


class RangeStart(models.Func):
    """The lower bound of a range expression."""

    function = "lower"
    arity = 1


# The addresses of a prefix as a range of integers, [first, last]. Only
# migration leases.0002 uses it now, for the GiST index that a later
# migration replaced with a B-tree (see leases.selectors.holdings_at).
ADDRESS_SPAN_SQL = "int8range(({0})::inet - '0.0.0.0'::inet, broadcast({0}) - '0.0.0.0'::inet, '[]')"


class AddressSpan(models.Func):
    """The integer range of the addresses of a cidr column, as ADDRESS_SPAN_SQL spells it."""

    arity = 1
    output_field = models.Field()

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return ADDRESS_SPAN_SQL.format(column), params * 2
