"""CSV lists read by header name: finding the header row, the columns a parser needs, and the rows.

Columns are found by name, so added or reordered columns do not matter.
Names are compared without case, spaces and punctuation ("Entity_LogicalId"
and "entity logical id" are the same), and a column may have several
accepted names.
"""

import re
from dataclasses import dataclass

from .base import ListFormatError, csv_rows

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def header_key(name):
    return _NOT_ALNUM.sub("", (name or "").lower())


@dataclass(frozen=True)
class Column:
    """A column a parser reads: its accepted header names, the first being the publisher's."""

    names: tuple
    meaning: str
    required: bool = False

    @property
    def name(self):
        return self.names[0]


class HeaderMap:
    """Positions of a parser's columns in one header row."""

    def __init__(self, header, columns, *, label, fix):
        keys = [header_key(cell) for cell in header]
        self.width = len(header)
        self.positions = {}
        for field, column in columns.items():
            for name in column.names:
                if header_key(name) in keys:
                    self.positions[field] = keys.index(header_key(name))
                    break
        missing = [
            column for field, column in columns.items() if column.required and field not in self.positions
        ]
        if missing:
            names = ", ".join(f"{column.name} ({column.meaning})" for column in missing)
            noun = "column" if len(missing) == 1 else "columns"
            raise ListFormatError(f"{label}: the header row is missing the {noun} {names}. {fix}")

    def value(self, row, field):
        position = self.positions.get(field)
        if position is None:
            return ""
        return row[position].strip()

    def has(self, field):
        return field in self.positions


def find_header(rows, columns, *, label, fix, max_leading_rows):
    """Return (lines before the header, HeaderMap) from a csv_rows iterator.

    The header is the first row that contains the name of any known column,
    so that a header without a required column is reported as such. Up to
    `max_leading_rows` rows before it, such as a title or a date line, are
    skipped and returned.
    """
    key_column = next(column for column in columns.values() if column.required)
    known_names = {header_key(name) for column in columns.values() for name in column.names}
    leading = []
    for _line, row in rows:
        if known_names & {header_key(cell) for cell in row}:
            return leading, HeaderMap(row, columns, label=label, fix=fix)
        leading.append(row)
        if len(leading) > max_leading_rows:
            break
    first = leading[0] if leading else []
    # With the wrong separator the whole header arrives as one cell.
    one_cell = f" The first line has one column: {first[0][:80]!r}." if len(first) == 1 else ""
    raise ListFormatError(
        f"{label}: header row not found, because {_first_lines(max_leading_rows + 1)} no known column name, "
        f"such as {key_column.name} ({key_column.meaning}).{one_cell} {fix}"
    )


def _first_lines(count):
    return "the first line has" if count == 1 else f"none of the first {count} lines has"


def data_rows(rows, header, *, label):
    """Yield (line number, row) of the data rows, rejecting rows that are shorter than the header.

    A short row means a cut-off file. Extra cells after the last column are
    accepted only when they are empty, as a trailing separator makes them.
    """
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < header.width:
            raise ListFormatError(
                f"{label} line {line}: expected {header.width} columns, found {len(row)}; "
                "the file looks truncated."
            )
        if any(cell.strip() for cell in row[header.width:]):
            raise ListFormatError(
                f"{label} line {line}: expected {header.width} columns, found {len(row)}; "
                "the row has more values than the header has columns."
            )
        yield line, row


def table(data, columns, *, label, fix, delimiter=",", max_leading_rows=0):
    """Return (lines before the header, HeaderMap, data rows iterator) of a CSV list file."""
    rows = csv_rows(data, label, delimiter=delimiter)
    leading, header = find_header(rows, columns, label=label, fix=fix, max_leading_rows=max_leading_rows)
    return leading, header, data_rows(rows, header, label=label)


def named_entities(rows_of, build, *, label, unit, name_column):
    """Return `build(source id, rows)` for each id of `rows_of`; raise ListFormatError for none, or for one without a name.

    `unit` is what the list calls an entry (entity, designation) and
    `name_column` the column its name comes from, for the error messages.
    """
    if not rows_of:
        raise ListFormatError(f"{label} contains a header but no entries.")
    entities = [build(source_id, rows) for source_id, rows in rows_of.items()]
    for entity in entities:
        if not entity.name:
            raise ListFormatError(
                f"{label}: {unit} {entity.source_id} has no name, because {name_column} is empty in all its rows."
            )
    return entities
