"""Bulk writes of many rows in one statement.

Django's bulk_update writes one CASE WHEN branch per row and field, and
bulk_create builds an INSERT with a parameter per value. In the intake
benchmark, building those statements cost more than the rest of a batch,
so updates here send the new values as arrays joined by primary key and
inserts go through COPY.
"""

from django.db import connection

from core.sql import array_param, server_cursor


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
    execute(update_statement(model, fields, rows))


def execute(statement):
    """Run a (sql, params) statement of this module, or nothing for None."""
    if statement is not None:
        with server_cursor() as cursor:
            cursor.execute(*statement)


def update_statement(model, fields, rows):
    """Return the (sql, params) of the UPDATE that `update_values` runs, or None for no rows."""
    if not rows:
        return None
    meta = model._meta
    quote = connection.ops.quote_name
    pk_column = quote(meta.pk.column)
    varying, constant = _split_columns([meta.pk, *(meta.get_field(name) for name in fields)], rows)
    # The key always comes as an array, even for a single row.
    if not any(field is meta.pk for field, _ in varying):
        varying.insert(0, (meta.pk, [rows[0][0]] * len(rows)))
        constant = [(field, value) for field, value in constant if field is not meta.pk]
    assignments = [f"{quote(field.column)} = new.{quote(field.column)}" for field, _ in varying if field is not meta.pk]
    assignments += [f"{quote(field.column)} = %s::{field.db_type(connection)}" for field, _ in constant]
    arrays = [array_param(values, field.db_type(connection)) for field, values in varying]
    names = ", ".join(quote(field.column) for field, _ in varying)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS target SET {', '.join(assignments)} "
        f"FROM unnest({', '.join(placeholder for placeholder, _ in arrays)}) AS new({names}) "
        f"WHERE target.{pk_column} = new.{pk_column}"
    )
    return sql, [value for _, value in constant] + [param for _, param in arrays]


def insert_statement(model, columns, rows):
    """Return the (sql, params) of one INSERT of `rows` from arrays, or None for no rows.

    The rows are as `copy_rows` takes them. This is the form for a
    pipeline: COPY waits for its data and its result, so it cannot be sent
    ahead of the work that follows.
    """
    rows = list(rows)
    if not rows:
        return None
    by_column = {field.column: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    varying, constant = _split_columns([by_column[column] for column in columns], rows)
    values = {field.column: f"%s::{field.db_type(connection)}" for field, _ in constant}
    values.update({field.column: f"new.{quote(field.column)}" for field, _ in varying})
    if varying:
        arrays = [array_param(values, field.db_type(connection)) for field, values in varying]
        names = ", ".join(quote(field.column) for field, _ in varying)
        source = f"unnest({', '.join(placeholder for placeholder, _ in arrays)}) AS new({names})"
        source_params = [param for _, param in arrays]
    else:
        source = "generate_series(1, %s)"
        source_params = [len(rows)]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
        f"SELECT {', '.join(values[column] for column in columns)} FROM {source}"
    )
    # The constants' placeholders come first in the statement, in column order.
    constant_values = {field.column: value for field, value in constant}
    return sql, [constant_values[column] for column in columns if column in constant_values] + source_params


def _split_columns(fields, rows):
    """Split the rows' columns into ([(field, values)] that vary, [(field, value)] the same in every row).

    A value the whole batch shares (the filing time, a state, an empty
    text) goes to the server once instead of once per row.
    """
    varying = []
    constant = []
    for field, values in zip(fields, zip(*rows)):
        first = values[0]
        if values.count(first) == len(values):
            constant.append((field, first))
        else:
            varying.append((field, values))
    return varying, constant


def copy_rows(model, columns, rows, *, using=connection, binary=False):
    """Write `rows` (tuples in the order of `columns`, database values) into the model's table with COPY.

    COPY skips the statement building of an INSERT and is the fastest way
    PostgreSQL takes many rows. Columns left out get their database default,
    so identity keys are assigned in row order. `binary` sends the rows in
    COPY's binary format, which passes bytes unescaped; the values must then
    have the Python types of their columns (a datetime, not its text).
    """
    quote = using.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    by_column = {field.column: field for field in model._meta.concrete_fields}
    with using.cursor() as cursor:
        with cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
                         + (" (FORMAT BINARY)" if binary else "")) as copy:
            if binary:
                copy.set_types([_binary_type(by_column[column].db_type(using)) for column in columns])
            for row in rows:
                copy.write_row(row)


def _binary_type(db_type):
    """Return the type psycopg dumps a value of a column of `db_type` as, for a binary COPY."""
    if db_type.startswith("varchar") or db_type == "text":
        return "text"
    try:
        return _BINARY_TYPES[db_type]
    except KeyError:
        raise ValueError(f"Column type {db_type!r} is not supported by a binary COPY here; add it to "
                         "_BINARY_TYPES or copy the rows as text.") from None


_BINARY_TYPES = {
    "bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool", "bytea": "bytea",
    "timestamp with time zone": "timestamptz",
}


def reserve_ids(model, count, *, using=connection):
    """Return `count` new primary keys from the model's identity sequence, in one query."""
    if not count:
        return []
    sequence = _sequence_of(model._meta.db_table, model._meta.pk.column, using)
    with using.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def _sequence_of(table, column, using):
    # Looked up once: pg_get_serial_sequence() inside the query above ran
    # once per row and took three quarters of its time.
    if (table, column) not in _sequences:
        with using.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            _sequences[table, column] = cursor.fetchone()[0]
    return _sequences[table, column]


_sequences = {}
