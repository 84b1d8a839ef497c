import io

import pytest
from django.core.management import CommandError, call_command

from rpki.models import Finding, Vrp
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)


@pytest.fixture(autouse=True)
def export_paths(settings, tmp_path):
    settings.RPKI_BACKEND = "slurm"
    settings.RPKI_EXPORT_DIR = tmp_path
    settings.RPKI_SLURM_JSON_PATH = tmp_path / "slurm.json"
    settings.RPKI_SLURM_CSV_PATH = tmp_path / "roas.csv"
    settings.RPKI_BIRD_CONFIG_PATH = tmp_path / "bird.conf"
    settings.RPKI_PARKED_JSON_PATH = tmp_path / "parked.json"


def run(*args):
    output = io.StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def test_import_vrps_command(db, tmp_path):
    path = tmp_path / "vrps.csv"
    path.write_text("ASN,IP Prefix,Max Length,Trust Anchor\nAS64496,192.0.2.0/24,24,ripe\n")
    output = run("rpki_import_vrps", str(path))
    assert "Imported 1 VRPs as Routinator CSV (0 IPv6 entries skipped)" in output
    assert Vrp.objects.count() == 1


def test_import_vrps_bad_file_fails(db, tmp_path):
    path = tmp_path / "vrps.csv"
    path.write_text("ASN,IP Prefix\nAS64496,192.0.2.0/33\n")
    with pytest.raises(CommandError, match="line 2: prefix '192.0.2.0/33' is invalid"):
        run("rpki_import_vrps", str(path))


def test_import_routes_command_finds(holder, make_listing, tmp_path):
    make_listing(holder, "198.51.100.0/24")
    path = tmp_path / "routes.txt"
    path.write_text("BGP4MP|1798765200|A|192.0.2.1|64510|198.51.100.0/24|64510 64666|IGP|192.0.2.1|0|0||NAG||\n")
    output = run("rpki_import_routes", str(path))
    assert "Imported 1 routes touching platform space (0 skipped); 1 findings." in output
    assert Finding.objects.get().origin_asn == 64666


def test_reconcile_command_writes_slurm(holder, make_listing, tmp_path):
    make_listing(holder, "198.51.100.0/24")
    assert run("rpki_reconcile") == "Published 1 additions and 0 removals.\n"
    assert (tmp_path / "slurm.json").exists()
    assert run("rpki_reconcile") == "Published 0 additions and 0 removals.\n"


def test_demo_seed_is_idempotent(holder, make_listing):
    from rpki.demo import seed

    make_listing(holder, "198.51.100.0/24")
    first, second = io.StringIO(), io.StringIO()
    seed(stdout=first)
    seed(stdout=second)
    assert first.getvalue() == "RPKI: published 1 ROAs and removed 0.\n"
    assert second.getvalue() == "RPKI: published 0 ROAs and removed 0.\n"


def test_reconcile_log_names_few_changes_one_by_one(holder, make_listing, caplog):
    from rpki.models import RoaChange
    from rpki.reconcile import reconcile

    make_listing(holder, "198.51.100.0/24")
    with caplog.at_level("INFO", logger="rpki.reconcile"):
        reconcile(reason="test")
    [change] = RoaChange.objects.all()
    assert f"Reconciled ROAs (test): 1 added, 0 removed, changes {change.pk}" in caplog.messages


def test_reconcile_log_names_many_changes_as_range(holder, make_listing, caplog):
    from rpki.models import RoaChange
    from rpki.reconcile import reconcile

    make_listing(holder, "100.64.0.0/16", max_prefix_length=24)
    for index in range(21):
        make_listing(holder, f"198.18.{index}.0/24")
    with caplog.at_level("INFO", logger="rpki.reconcile"):
        reconcile(reason="test")
    ids = sorted(RoaChange.objects.values_list("pk", flat=True))
    assert (f"Reconciled ROAs (test): {len(ids)} added, 0 removed, changes {ids[0]} to {ids[-1]} "
            f"({len(ids)} in all)") in caplog.messages
