import io
import mailbox
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abuse.choices import Channel, ReportStatus
from abuse.models import Event, Report

SAMPLES = Path(__file__).parent / "abuse_samples"
ROOT = Path(__file__).resolve().parent.parent


def run(*args, stdin=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command("ingest_abuse_mail", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_files_stored_and_parsed(db):
    out, _ = run(str(SAMPLES / "arf_with_source_ip.eml"), str(SAMPLES / "xarf02.eml"))
    assert "2 message(s): 2 parsed, 0 failed to parse (stored), 0 stored but not yet filed, 0 not stored" in out
    assert sorted(Report.objects.values_list("parser", flat=True)) == ["arf", "x-arf"]
    assert Report.objects.filter(channel=Channel.EMAIL).count() == 2


def test_source_defaults_to_sender(db):
    run(str(SAMPLES / "xarf02.eml"))
    assert Report.objects.get().source == "reports@ids.example"


def test_stdin_message(db, monkeypatch):
    out, _ = run("-", stdin=(SAMPLES / "complaint.eml").read_bytes(), monkeypatch=monkeypatch)
    assert "stdin: report" in out
    assert Event.objects.get().confidence == "low"


def test_maildir(db, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add((SAMPLES / "arf_with_source_ip.eml").read_bytes())
    box.add((SAMPLES / "arf_without_source_ip.eml").read_bytes())
    out, _ = run("--maildir", str(tmp_path / "Maildir"))
    assert "2 message(s): 2 parsed" in out


def test_mbox(db, tmp_path):
    box = mailbox.mbox(tmp_path / "abuse.mbox", create=True)
    box.add((SAMPLES / "xarf02.eml").read_bytes())
    box.add((SAMPLES / "complaint.eml").read_bytes())
    box.flush()
    out, _ = run("--mbox", str(tmp_path / "abuse.mbox"))
    assert "2 message(s): 2 parsed" in out


def test_maildir_second_run_skips_stored_messages(db, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    key = box.add((SAMPLES / "arf_with_source_ip.eml").read_bytes())
    run("--maildir", str(tmp_path / "Maildir"))

    out, _ = run("--maildir", str(tmp_path / "Maildir"))

    assert "0 message(s)" in out
    assert Report.objects.count() == 1
    assert box.get_message(key).get_subdir() == "cur"
    assert box.get_message(key).get_flags() == "S"


def test_maildir_keep_leaves_messages_unseen(db, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    key = box.add((SAMPLES / "arf_with_source_ip.eml").read_bytes())
    run("--keep", "--maildir", str(tmp_path / "Maildir"))
    assert box.get_message(key).get_flags() == ""
    assert box.get_message(key).get_subdir() == "new"


def test_mbox_stored_messages_deleted(db, tmp_path):
    path = tmp_path / "abuse.mbox"
    box = mailbox.mbox(path, create=True)
    box.add((SAMPLES / "xarf02.eml").read_bytes())
    box.flush()
    run("--mbox", str(path))

    out, _ = run("--mbox", str(path))

    assert "0 message(s)" in out
    assert len(mailbox.mbox(path)) == 0
    assert Report.objects.count() == 1


def test_maildir_oversized_message_left_unseen(db, tmp_path, settings):
    settings.ABUSE_MAX_REPORT_BYTES = 100
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    key = box.add((SAMPLES / "arf_with_source_ip.eml").read_bytes())
    with pytest.raises(SystemExit):
        run("--maildir", str(tmp_path / "Maildir"))
    assert box.get_message(key).get_flags() == ""


def test_feed_file_with_content_type(db):
    out, _ = run("--content-type", "text/csv", "--source", "shadowserver", str(SAMPLES / "feed_renamed.csv"))
    report = Report.objects.get()
    assert report.channel == Channel.FEED
    assert report.event_count == 2
    assert report.parse_notes.startswith("Row 4 skipped")


def test_unparsable_message_kept_and_listed(db, tmp_path):
    message = tmp_path / "noip.eml"
    message.write_bytes(b"From: a@b.example\nSubject: spam\nDate: Fri, 06 Mar 2026 14:00:00 +0100\n\nStop it.\n")
    _, err = run(str(message))
    assert "stored but not parsed: The text names no public IPv4 address" in err
    assert Report.objects.get().status == ReportStatus.FAILED


def test_oversized_message_rejected_with_tempfail(db, tmp_path, settings):
    settings.ABUSE_MAX_REPORT_BYTES = 100
    message = tmp_path / "big.eml"
    message.write_bytes(b"Subject: big\n\n" + b"x" * 200)
    with pytest.raises(SystemExit) as exit_info:
        run(str(message))
    assert exit_info.value.code == 75
    assert Report.objects.count() == 0


def test_missing_file_named(db):
    with pytest.raises(CommandError, match="/nonexistent.eml is not a file"):
        run("/nonexistent.eml")


def test_no_input_rejected(db):
    with pytest.raises(CommandError, match="Name message files"):
        run()


def test_batches_file_every_message(db):
    names = ["arf_with_source_ip.eml", "xarf02.eml", "complaint.eml"]
    out, _ = run("--batch-size", "2", *(str(SAMPLES / name) for name in names))
    assert "3 message(s): 3 parsed, 0 failed to parse (stored), 0 stored but not yet filed, 0 not stored" in out
    assert Report.objects.filter(status=ReportStatus.PARSED).count() == 3


def test_batch_size_zero_rejected(db):
    with pytest.raises(CommandError, match="--batch-size 0 is not a positive number"):
        run("--batch-size", "0", str(SAMPLES / "xarf02.eml"))


def test_database_down_exits_tempfail(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    message = tmp_path / "complaint.eml"
    message.write_bytes((SAMPLES / "complaint.eml").read_bytes())
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/none"}
    result = subprocess.run([sys.executable, "manage.py", "ingest_abuse_mail", str(message)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 75
    assert "The database failed, so 1 message(s) were not stored; the command exits 75" in result.stderr
    assert "1 message(s): 0 parsed, 0 failed to parse (stored), 0 stored but not yet filed, 1 not stored" in (
        result.stdout)


def test_maildir_backlog_in_pipelined_batches(transactional_db, tmp_path):
    """Outside a test transaction the command files through abuse.pipeline, several batches ahead."""
    names = ["arf_with_source_ip.eml", "arf_without_source_ip.eml", "xarf02.eml", "complaint.eml", "malformed.eml"]
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    keys = [box.add((SAMPLES / name).read_bytes()) for name in names * 3]

    out, _ = run("--maildir", str(tmp_path / "Maildir"), "--batch-size", "2")

    assert "15 message(s): 15 parsed, 0 failed to parse (stored), 0 stored but not yet filed, 0 not stored" in out
    assert Report.objects.filter(status=ReportStatus.PARSED).count() == 15
    assert [box.get_message(key).get_subdir() for key in keys] == ["cur"] * 15


def test_maildir_backlog_counts_a_repeated_message_once(transactional_db, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ["xarf02.eml", "complaint.eml", "xarf02.eml"]:
        box.add((SAMPLES / name).read_bytes())

    out, _ = run("--maildir", str(tmp_path / "Maildir"), "--batch-size", "1")

    counts = [line.split(", ", 1)[1] for line in out.splitlines() if ": report " in line]
    assert sorted(counts) == ["0 event(s), 1 duplicate(s)", "1 event(s), 0 duplicate(s)", "1 event(s), 0 duplicate(s)"]
