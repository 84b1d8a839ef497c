"""Filing a backlog of reports with the database's work overlapping the parsing.

`intake.receive_many` files a batch while the worker waits on each of its
statements, so a worker that drains a backlog (a Maildir filled while the
command did not run, a feed import) spends much of its time idle. Here the
database works on three batches while the worker parses a fourth. Each
batch moves through these stages:

- stored: committed on a connection of its own, before anything parses it;
- parsed;
- attributed: the lease, lessee and holder of each event are known;
- read: its transaction is open, with its reports claimed, its groups
  locked and the stored observations and open cases read.

At each step the worker decides the rows of the first batch, which is read.
Then it sends three things in one pipeline, without waiting: that batch's
writes and COMMIT, the reads of the second batch in a new transaction, and
the attribution of the third. While the server runs them, the worker
parses one batch and a store thread stores the next one on its own
connection. Then the worker collects the results. Once the last chunk is
stored, the batches not yet parsed are split into smaller ones, so that
little database work is left when nothing remains to parse.

A batch gets the same rows as `receive_many` would give it. The pipeline
can fail before the first batch's COMMIT, for example when a concurrent
intake stored one of its observations first and the event insert met the
unique constraint. The transaction is then rolled back, and that batch is
filed again by `intake.file_parsed`, which handles such a conflict. The later batches
go back to the stage they had reached, and the next step runs what they
miss before going on.
"""

import enum
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from leases.selectors import holdings_from_rows

from . import intake, notifications
from .bulk import update_statement
from .grouping import BatchEvents, FilingReads, attribute_events, run_reads
from .models import Report

logger = logging.getLogger(__name__)

# Batches in flight: one being filed, one read, one attributed, one parsed.
DEPTH = 4
# Once the last chunk is stored, each batch not yet parsed is filed in
# this many parts. The last batches' database work has no parsing left to
# overlap, so smaller last batches leave the worker less to wait for.
TAIL_PARTS = 4
# The chunk not read yet, as opposed to None for no chunk left.
_UNREAD = object()


class _Stage(enum.IntEnum):
    STORED = 1
    PARSED = 2
    ATTRIBUTED = 3
    READ = 4


@dataclass
class _Batch:
    chunk: object
    outcomes: list
    stage: _Stage = _Stage.STORED
    parsed: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    events: BatchEvents | None = None
    holdings: list | None = None
    reads: FilingReads | None = None
    claim_rows: list = field(default_factory=list)
    read_results: list = field(default_factory=list)
    # For a part of a split batch: the whole batch, whose parts_left counts down.
    whole: "_Batch | None" = None
    parts_left: int = 0

    @property
    def filed_events(self):
        return [(report, result.events) for report, result in self.parsed]

    @property
    def reports(self):
        return [report for report, _ in self.parsed] + self.failed


def file_stream(chunks, *, stored=None, filed=None, store_using=None):
    """Store, parse and file each list of submissions in `chunks`, with the same rows as `receive_many` on each.

    `chunks` may be a generator; it is read up to five lists ahead. Each list
    contains dicts of the keyword arguments of `intake.receive`. `stored(chunk,
    outcomes)` is called once a list is committed, with a Report or a
    ReportTooLarge error per submission, and `filed(chunk, outcomes)` once
    it is filed. A report whose filing failed stays "received" for the sweep
    of unfiled reports. A database error while storing stops the stream:
    the lists already stored are filed, then the error is raised.

    The reports are stored on `store_using`, a Django connection object
    that the caller keeps, or else on a new connection opened for the
    stream. Inside a caller's transaction nothing can be sent ahead, and
    each list is filed as `receive_many` files it.
    """
    stored = stored or _ignore
    filed = filed or _ignore
    if connection.in_atomic_block:
        for chunk in chunks:
            outcomes = intake.store_many(chunk)
            stored(chunk, outcomes)
            intake.process_reports([outcome for outcome in outcomes if isinstance(outcome, Report)])
            filed(chunk, outcomes)
        return
    store_connection = store_using or connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        _Stream(iter(chunks), stored, filed, store_connection).run()
    finally:
        if store_using is None:
            store_connection.close()


def _ignore(chunk, outcomes):
    pass


class _Stream:
    def __init__(self, chunks, stored, filed, store_connection):
        self.chunks = chunks
        self.stored = stored
        self.filed = filed
        self.store_connection = store_connection
        self.store_error = None
        self.queue = deque()
        self.next_chunk = _UNREAD
        self.store_thread = None

    def run(self):
        # Within a step, the next chunk is stored in a thread of its own
        # while the worker parses: storing mostly waits for the server.
        self.store_connection.inc_thread_sharing()
        self.store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="abuse-store")
        try:
            self._fill(DEPTH)
            while self.queue:
                # One step allocates as much as a whole batch intake, which
                # keeps the collector off for the same reason.
                with intake.cyclic_collector_paused():
                    if self._catch_up():
                        self._file(self.queue[0])
                    self.queue.popleft()
                    self._fill(DEPTH)
        finally:
            self.store_thread.shutdown()
            self.store_connection.dec_thread_sharing()
        if self.store_error is not None:
            raise self.store_error

    def _fill(self, depth):
        """Store chunks until `depth` batches are in flight or the chunks run out."""
        while len(self.queue) < depth and self.store_error is None:
            chunk, last = self._take_chunk()
            if chunk is None:
                return
            try:
                outcomes = intake.store_many(chunk, using=self.store_connection)
            except DatabaseError as exc:
                self.store_error = exc
                return
            self._queue(chunk, outcomes, last)

    def _take_chunk(self):
        """Return (next chunk or None, whether it is the last one); the chunks are read one ahead to know."""
        if self.next_chunk is _UNREAD:
            self.next_chunk = next(self.chunks, None)
        chunk = self.next_chunk
        self.next_chunk = next(self.chunks, None) if chunk is not None else None
        return chunk, self.next_chunk is None

    def _queue(self, chunk, outcomes, last):
        self.stored(chunk, outcomes)
        self.queue.append(_Batch(chunk, outcomes))
        if last:
            self._split_tail()

    def _store_ahead(self, depth):
        """Start storing the next chunk in the store thread, when fewer than `depth` batches are in flight.

        Returns (chunk, whether it is the last, future) for `_collect`, or None.
        """
        if len(self.queue) >= depth or self.store_error is not None:
            return None
        chunk, last = self._take_chunk()
        if chunk is None:
            return None
        return chunk, last, self.store_thread.submit(intake.store_many, chunk, using=self.store_connection)

    def _collect(self, pending):
        """Wait for a chunk `_store_ahead` started, and queue it once it is committed."""
        if pending is None:
            return
        chunk, last, future = pending
        try:
            outcomes = future.result()
        except DatabaseError as exc:
            self.store_error = exc
            return
        self._queue(chunk, outcomes, last)

    def _split_tail(self):
        """Split the batches not yet parsed into TAIL_PARTS parts each, once the last chunk is stored."""
        queue = deque()
        for batch in self.queue:
            size = -(-len(batch.outcomes) // TAIL_PARTS)
            if batch.stage != _Stage.STORED or size < 1 or len(batch.outcomes) < TAIL_PARTS:
                queue.append(batch)
                continue
            parts = [_Batch(batch.chunk, batch.outcomes[start:start + size], whole=batch)
                     for start in range(0, len(batch.outcomes), size)]
            batch.parts_left = len(parts)
            queue.extend(parts)
        self.queue = queue

    def _done(self, batch):
        """Call back for a filed batch, or for the whole batch once its last part is filed."""
        if batch.whole is None:
            self.filed(batch.chunk, batch.outcomes)
            return
        batch.whole.parts_left -= 1
        if batch.whole.parts_left == 0:
            self.filed(batch.whole.chunk, batch.whole.outcomes)

    def _catch_up(self):
        """Bring the first batches to the stages a step starts from, where the pipeline did not.

        In the steady state they are there already: the first batch is read,
        the second attributed and the third parsed. At the start, and after
        a failure, the missing stages run here and now. Returns False when
        the database failed meanwhile, after filing the first batch on its
        own instead.
        """
        for batch, stage in zip(self.queue, (_Stage.READ, _Stage.ATTRIBUTED, _Stage.PARSED)):
            if batch.stage == _Stage.STORED:
                _parse(batch)
            try:
                if batch.stage == _Stage.PARSED and stage >= _Stage.ATTRIBUTED:
                    batch.events = BatchEvents(batch.filed_events)
                    batch.holdings = attribute_events(batch.events)
                    batch.stage = _Stage.ATTRIBUTED
                if batch.stage == _Stage.ATTRIBUTED and stage == _Stage.READ:
                    with connection.cursor() as cursor:
                        cursor.execute("BEGIN")
                    batch.claim_rows, batch.read_results = _run_reads(batch)
                    batch.stage = _Stage.READ
            except DatabaseError as exc:
                # The rollback also ends the first batch's transaction, with
                # its reads, so the first batch is filed on its own. A later
                # batch that failed keeps its stage and is tried again.
                _rollback()
                head = self.queue[0]
                logger.warning("Reading ahead in the pipeline failed, so %s reports are filed on their own: %s",
                               len(head.reports), exc)
                self._file_again(head)
                return False
            except BaseException:
                _rollback()
                raise
        return True

    def _file(self, batch):
        """File `batch`, which is read, and move the next batches on meanwhile."""
        following = self.queue[1] if len(self.queue) > 1 and self.queue[1].stage == _Stage.ATTRIBUTED else None
        after = self.queue[2] if len(self.queue) > 2 and self.queue[2].stage == _Stage.PARSED else None
        sent = _Sent()
        try:
            statements, sent.outcomes, sent.notices = _decide(batch)
            raw = _psycopg_connection()
            with raw.pipeline():
                cursor = psycopg.Cursor(raw)
                for statement in statements:
                    cursor.execute(*statement)
                sent.commit = psycopg.Cursor(raw)
                sent.commit.execute("COMMIT")
                if following is not None:
                    sent.reads = _send_reads(raw, following)
                if after is not None:
                    sent.attribution = _send_attribution(raw, after)
                pending = self._store_ahead(DEPTH + 1)
                try:
                    waiting = next((queued for queued in self.queue if queued.stage == _Stage.STORED), None)
                    if waiting is not None:
                        _parse(waiting)
                finally:
                    self._collect(pending)
        except (DatabaseError, psycopg.Error) as exc:
            _rollback()
            if not sent.committed():
                logger.warning("Filing %s reports in a pipeline failed, so they are filed again on their own: %s",
                               len(batch.reports), exc)
                self._file_again(batch)
                return
            logger.warning("Reading ahead for the next batches failed; they are read again: %s", exc)
        except BaseException:
            _rollback()
            raise
        else:
            if following is not None:
                following.claim_rows, following.read_results = sent.read_rows()
                following.stage = _Stage.READ
            if after is not None:
                after.holdings = holdings_from_rows(sent.attribution.fetchall()) if sent.attribution else []
                after.stage = _Stage.ATTRIBUTED
        filed_ids = {row[0] for row in sent.outcomes}
        intake.apply_outcomes([(report, result) for report, result in batch.parsed if report.pk in filed_ids],
                              sent.outcomes)
        if sent.notices:
            notifications.request_delivery()
        self._done(batch)

    def _file_again(self, batch):
        try:
            intake.file_parsed(batch.parsed, batch.failed)
        except DatabaseError as exc:
            logger.error("Filing %s stored reports failed; the sweep of unfiled reports files them: %s",
                         len(batch.reports), exc)
        self._done(batch)


@dataclass
class _Sent:
    outcomes: list = field(default_factory=list)
    notices: bool = False
    commit: object = None
    reads: list = field(default_factory=list)
    attribution: object = None

    def committed(self):
        result = self.commit.pgresult if self.commit is not None else None
        return result is not None and result.status == psycopg.pq.ExecStatus.COMMAND_OK

    def read_rows(self):
        claim, *reads = self.reads
        return claim.fetchall(), [cursor.fetchall() for cursor in reads]


def _parse(batch):
    # Runs within a step, which keeps the cyclic collector off already.
    reports = [outcome for outcome in batch.outcomes if isinstance(outcome, Report)]
    batch.parsed, batch.failed = intake.parse_reports(reports)
    batch.stage = _Stage.PARSED


def _read_statements(batch):
    """Return the statements of the read stage: the commit setting, the claim of the reports, the filing's reads."""
    batch.reads = FilingReads(batch.filed_events, events=batch.events, holdings=batch.holdings)
    claim = intake.claim_statement(batch.reports) or ("SELECT NULL::bigint, NULL::int WHERE false", [])
    return [intake.SKIP_COMMIT_FLUSH, claim, *batch.reads.statements()]


def _run_reads(batch):
    """Run the read stage's statements here and now; return (claim rows, rows of each read)."""
    rows = run_reads(_read_statements(batch))
    return rows[1], rows[2:]


def _send_reads(raw, batch):
    """Queue the read stage of `batch` in the pipeline; return the cursors of the claim and of each read."""
    begin = psycopg.Cursor(raw)
    begin.execute("BEGIN")
    cursors = []
    for statement in _read_statements(batch):
        cursor = psycopg.Cursor(raw)
        cursor.execute(*statement)
        cursors.append(cursor)
    return cursors[1:]


def _send_attribution(raw, batch):
    batch.events = BatchEvents(batch.filed_events)
    statement = batch.events.attribution_statement()
    if statement is None:
        return None
    cursor = psycopg.Cursor(raw)
    cursor.execute(*statement)
    return cursor


def _decide(batch):
    """Return (statements, report outcomes, whether mail was queued) that file the read `batch`."""
    claimed = intake.claimed_ids(batch.reports, batch.claim_rows)
    statements = [intake.failures_statement(batch.failed, claimed)]
    parsed = [(report, result) for report, result in batch.parsed if report.pk in claimed]
    outcomes = []
    notices = False
    if parsed:
        filing = batch.reads.plan(batch.read_results, claimed=claimed)
        statements += filing.statements()
        outcomes = intake.parsed_outcomes(parsed, filing)
        statements.append(update_statement(Report, intake.PARSED_FIELDS, outcomes))
        notices = bool(filing.notices)
    return [statement for statement in statements if statement is not None], outcomes, notices


def _psycopg_connection():
    connection.ensure_connection()
    return connection.connection


def _rollback():
    raw = _psycopg_connection()
    if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raw.rollback()
