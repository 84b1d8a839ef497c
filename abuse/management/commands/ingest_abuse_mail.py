"""Read abuse mail into the abuse desk, from files, a Maildir, an mbox or standard input.

An MTA can pipe each message to `manage.py ingest_abuse_mail -`. Every
message is stored before it is parsed, and a message that fails to parse is
kept and reported. Only a message that could not be stored (over
ABUSE_MAX_REPORT_BYTES, or the database failed) makes the command exit with
status 75 (EX_TEMPFAIL), so the MTA keeps it and retries.

Mailbox messages are taken out of the way once stored, so that a cron job
can run the command again and again. A Maildir message moves to cur/ with
the Seen flag and is skipped from then on. An mbox message is deleted from
the file. `--keep` leaves both mailboxes as they are.
"""

import mailbox
import sys
from collections import deque
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from abuse.choices import Channel, ReportStatus
from abuse.intake import ReportTooLarge
from abuse.pipeline import file_stream

EX_TEMPFAIL = 75
# Messages filed in one transaction: a Maildir drained by a cron job files
# its backlog in a few statements per batch instead of per message, and
# the database writes one batch while the next is parsed (abuse.pipeline).
BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Store and parse abuse reports from RFC 822 message files, a Maildir, an mbox, or standard input (-)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Message files; '-' reads one message from standard input.")
        parser.add_argument("--maildir", action="append", default=[], help="A Maildir to read every message from.")
        parser.add_argument("--mbox", action="append", default=[], help="An mbox file to read every message from.")
        parser.add_argument("--source", default="", help="Source name stored on the reports (default: the sender).")
        parser.add_argument("--content-type", default="message/rfc822",
                            help="Content type of file arguments, for example text/csv for a feed file.")
        parser.add_argument("--keep", action="store_true",
                            help="Leave stored messages in the Maildir or mbox instead of marking or deleting them.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help=f"Messages filed together in one transaction (default {BATCH_SIZE}).")

    def handle(self, *args, paths, maildir, mbox, source, content_type, batch_size, keep, **options):
        if not (paths or maildir or mbox):
            raise CommandError("Name message files, '-' for standard input, --maildir DIR or --mbox FILE.")
        if batch_size < 1:
            raise CommandError(f"--batch-size {batch_size} is not a positive number; pass 1 or more.")
        self.mboxes = {}
        messages = list(self._messages(paths, maildir, mbox, content_type))
        counts = {"parsed": 0, "failed": 0, "rejected": 0, "unfiled": 0}
        chunks = [messages[start:start + batch_size] for start in range(0, len(messages), batch_size)]
        # file_stream calls back in the order of the chunks, once when a
        # chunk is stored and once when it is filed.
        to_take_out = deque(chunks)
        to_report = deque(chunks)
        stored = 0

        def take_out(_, outcomes):
            nonlocal stored
            chunk = to_take_out.popleft()
            stored += len(chunk)
            # The stored messages are committed, so they leave the mailbox
            # even when filing them fails later.
            for (_, _, _, remove), outcome in zip(chunk, outcomes):
                if remove is not None and not keep and not isinstance(outcome, ReportTooLarge):
                    remove()

        def report(_, outcomes):
            for (label, _, _, _), outcome in zip(to_report.popleft(), outcomes):
                self._report(label, outcome, counts)

        try:
            file_stream(
                ([{"channel": Channel.EMAIL if kind == "message/rfc822" else Channel.FEED,
                   "source": source or _sender(raw) or label, "raw": raw, "content_type": kind}
                  for label, raw, kind, _ in chunk] for chunk in chunks),
                stored=take_out, filed=report,
            )
        except DatabaseError as exc:
            self.stderr.write(f"The database failed, so {len(messages) - stored} message(s) were not stored; "
                              f"the command exits {EX_TEMPFAIL} for the MTA to retry: {exc}")
            counts["rejected"] += len(messages) - stored
        finally:
            for box in self.mboxes.values():
                box.flush()
                box.unlock()
        self.stdout.write(f"{len(messages)} message(s): {counts['parsed']} parsed, {counts['failed']} failed to "
                          f"parse (stored), {counts['unfiled']} stored but not yet filed, "
                          f"{counts['rejected']} not stored")
        if counts["rejected"]:
            sys.exit(EX_TEMPFAIL)

    def _report(self, label, report, counts):
        if isinstance(report, ReportTooLarge):
            counts["rejected"] += 1
            self.stderr.write(f"{label}: not stored: {report}")
            return
        if report.status == ReportStatus.RECEIVED:
            counts["unfiled"] += 1
            self.stderr.write(f"{label}: report {report.pk} stored, not yet filed")
            return
        if report.status == ReportStatus.PARSED:
            counts["parsed"] += 1
            self.stdout.write(f"{label}: report {report.pk}, {report.event_count} event(s), "
                              f"{report.duplicate_count} duplicate(s)")
        else:
            counts["failed"] += 1
            self.stderr.write(f"{label}: report {report.pk} stored but not parsed: {report.parse_error}")

    def _messages(self, paths, maildirs, mboxes, content_type):
        for path in paths:
            if path == "-":
                yield "stdin", sys.stdin.buffer.read(), "message/rfc822", None
            else:
                file = Path(path)
                if not file.is_file():
                    raise CommandError(f"{path} is not a file; pass message files, or --maildir / --mbox.")
                yield path, file.read_bytes(), content_type, None
        for directory in maildirs:
            if not Path(directory, "cur").is_dir() and not Path(directory, "new").is_dir():
                raise CommandError(f"{directory} is not a Maildir (it has no cur/ or new/ folder).")
            box = mailbox.Maildir(directory, factory=None, create=False)
            for key in box.keys():
                message = box.get_message(key)
                if "S" in message.get_flags():
                    continue
                yield f"{directory}:{key}", message.as_bytes(), "message/rfc822", _mark_seen(box, key, message)
        for path in mboxes:
            if not Path(path).is_file():
                raise CommandError(f"{path} is not an mbox file.")
            box = mailbox.mbox(path, factory=None, create=False)
            # Locked until the end of the run, so that the MTA does not
            # append while stored messages are deleted.
            box.lock()
            self.mboxes[path] = box
            for key in box.keys():
                yield f"{path}:{key}", box.get_bytes(key), "message/rfc822", partial(box.discard, key)


def _mark_seen(box, key, message):
    def mark():
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message

    return mark


def _sender(raw):
    """Return the From address of a message, read from its header lines only."""
    for line in raw[:16384].split(b"\n"):
        if not line.strip():
            break
        if line.lower().startswith(b"from:"):
            from email.utils import parseaddr

            return parseaddr(line[5:].decode("utf-8", errors="replace"))[1]
    return ""
