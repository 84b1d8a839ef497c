"""Bulk writes of many rows in one statement.

Django's bulk_update writes one CASE WHEN branch per row and field, and
bulk_create builds an INSERT with a parameter per value. In the intake
benchmark, building those statements cost more than the rest of a batch,
so updates here send the new values as arrays joined by primary key and
inserts go through COPY.
"""

import functools

from django.db import connection

from core.sql import array_literal


def update_rows(model, objects, fields):
    """Write `fields` of each object in `objects` (all of `model`) in one UPDATE."""
    objects = list(objects)
    if not objects:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    update_values(model, fields, [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in [meta.pk, *columns]]
        for obj in objects
    ])


def update_values(model, fields, rows):
    """Write database values to `fields` of the model's rows in one UPDATE.

    Each row is (primary key, value of each field in `fields` order), with
    values as the database takes them (ids, not objects).
    """
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = new.{quote(field.column)}" for field in columns)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in [meta.pk, *columns])
    names = ", ".join(quote(field.column) for field in [meta.pk, *columns])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS target SET {assignments} "
        f"FROM unnest({arrays}) AS new({names}) "
        f"WHERE target.{quote(meta.pk.column)} = new.{quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [array_literal(column) for column in zip(*rows)])


def copy_rows(model, columns, rows):
    """Write `rows` (tuples in the order of `columns`, database values) into the model's table with COPY.

    COPY skips the statement building of an INSERT and is the fastest way
    PostgreSQL takes many rows. Columns left out get their database default,
    so identity keys are assigned in row order.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def reserve_ids(model, count):
    """Return `count` new primary keys from the model's identity sequence, in one query."""
    if not count:
        return []
    sequence = _sequence_of(model._meta.db_table, model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


@functools.cache
def _sequence_of(table, column):
    # Looked up once: pg_get_serial_sequence() inside the query above ran
    # once per row and took three quarters of its time.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        return cursor.fetchone()[0]
