"""Load: a million rows into a CRM of a million leads with flat memory; concurrent imports never duplicate.

* A CRM of 1,000,000 existing leads typed by people (upper-case emails, phones in every format); a 200k-row
  and a 1M-row export (the benchmark's generator: ~2 % invalid rows, ~3 % in-file duplicates), the 1M one
  sharing 100,000 external IDs with the CRM. Both imports go through the CLI in a real process; the peak
  RSS of each comes from ``wait4`` (exact, not sampled): the 1M import stays within 1.3x of the 200k one.
  The duplicates against the CRM are found (set-based, indexed) and nothing is imported twice.
* Two and four imports at once of overlapping files (each shares half its leads with the next one, and a
  core block with all of them, typed differently: upper-case emails, international phones, other
  external IDs), as separate processes with their own job stores: their batches interleave and no lead
  exists twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from leadfiles import ADMIN, ROOT, cli_env, lead, one_json, query, scalar, write_generated, write_leads_csv
from test_hardening_files import run_measured

from crm_importer.bench import seed_leads

EXISTING = 1_000_000
#: seed_leads numbers its leads from 10,000,000 (external IDs EXT-10000000 ...).
EXISTING_FIRST_ID = 10_000_000


@pytest.mark.slow
def test_a_million_rows_into_a_million_lead_crm_with_flat_memory(pg_dsn: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with psycopg.connect(pg_dsn) as conn:
        seed_leads(conn, EXISTING)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == EXISTING
    small = write_generated(tmp_path / "salon-200k.csv", 200_000, seed=7, id_offset=30_000_000)
    # The first 100,000 rows of the big file have the external IDs of leads already in the CRM.
    big = write_generated(tmp_path / "achat-1m.csv", 1_000_000, seed=11,
                          id_offset=EXISTING_FIRST_ID + EXISTING - 100_000)

    runs = {}
    for name, path in (("200k", small), ("1M", big)):
        run = run_measured(tmp_path / f"home-{name}", "import", str(path), "--db", pg_dsn, "--as", ADMIN,
                           "--json", timeout=600)
        assert run.code == 1, run.err  # completed, with invalid rows
        runs[name] = (run, one_json(run.out))
    small_run, small_result = runs["200k"]
    big_run, big_result = runs["1M"]
    print(f"200k: {small_run.seconds:.0f} s, {small_run.peak_mb:.0f} MB; 1M: {big_run.seconds:.0f} s,"
          f" {big_run.peak_mb:.0f} MB; total {time.monotonic() - started:.0f} s")
    assert big_run.peak_mb <= 1.3 * small_run.peak_mb, (small_run.peak_mb, big_run.peak_mb)

    for result, total in ((small_result, 200_000), (big_result, 1_000_000)):
        assert result["status"] == "completed" and result["total_rows"] == total
        assert result["valid_rows"] + result["invalid_rows"] == total
        assert result["valid_rows"] == result["imported_rows"] + result["duplicate_rows"]
    # Random 8-digit mobile numbers: a few thousand rows share a phone with a lead already there.
    assert small_result["duplicate_in_crm_rows"] < 5_000
    # About 100,000 rows share an external ID with an existing lead (a few are invalid or in-file duplicates),
    # plus the phone coincidences.
    assert 90_000 <= big_result["duplicate_in_crm_rows"] <= 130_000
    imported = small_result["imported_rows"] + big_result["imported_rows"]
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == EXISTING + imported
    # Every existing lead and every imported row has a distinct external ID and email: no lead twice.
    assert scalar(pg_dsn, "SELECT count(external_id) - count(DISTINCT lower(btrim(external_id)))"
                          " FROM public.leads") == 0
    assert scalar(pg_dsn, "SELECT count(email) - count(DISTINCT lower(btrim(email))) FROM public.leads") == 0
    assert scalar(pg_dsn, "SELECT count(*) FROM public.lead_history WHERE event = 'created'") == imported


def overlapping_files(tmp_path: Path, count: int, size: int = 20_000,
                      core: int = 2_000) -> tuple[list[Path], int]:
    """File k holds leads [k*size/2, k*size/2 + size) and the core block [-core, 0), each file typing them its
    own way; returns the files and how many distinct leads they hold together."""
    files = []
    for k in range(count):
        ids = list(range(k * size // 2, k * size // 2 + size))
        ids = ids[: size // 2] + list(range(-core, 0)) + ids[size // 2:]  # the core in the middle
        rows = []
        for i in ids:
            base = lead(i + core)
            email = base["email"].upper() if k % 2 else base["email"]
            phone = "+33 " + base["phone"][1:] if k % 3 == 1 else base["phone"].replace(" ", ".")
            rows.append(lead(i + core, email=email, phone=phone, external_id=f"F{k}-{i}"))
        files.append(write_leads_csv(tmp_path / f"file{k}.csv", rows))
    distinct = (count - 1) * size // 2 + size + core
    return files, distinct


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 4])
def test_concurrent_imports_of_overlapping_files_create_no_duplicate(pg_dsn: str, tmp_path: Path,
                                                                    count: int) -> None:
    files, distinct = overlapping_files(tmp_path, count)
    procs = []
    for k, path in enumerate(files):
        home = tmp_path / f"laptop{k}"
        home.mkdir()
        out = (home / "stdout").open("w")
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "crm_importer", "import", str(path), "--db", pg_dsn, "--as", ADMIN,
             "--json"],
            env=cli_env(home), cwd=str(ROOT), stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True), out, home))
    results = []
    deadline = time.monotonic() + 600
    for proc, out, home in procs:
        _, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
        out.close()
        assert proc.returncode == 0, err
        results.append(one_json((home / "stdout").read_text()))
    total_rows = sum(r["total_rows"] for r in results)
    assert scalar(pg_dsn, "SELECT count(*) FROM public.leads") == distinct
    assert scalar(pg_dsn, "SELECT count(DISTINCT lower(email)) FROM public.leads") == distinct
    phones = "SELECT count(DISTINCT public.crm_phone_e164(phone, '33')) FROM public.leads"
    assert scalar(pg_dsn, phones) == distinct
    assert sum(r["imported_rows"] for r in results) == distinct
    assert sum(r["duplicate_in_crm_rows"] for r in results) == total_rows - distinct
    # The imports really ran at the same time: their batches interleave in the ledger.
    order = [str(j) for (j,) in query(pg_dsn, "SELECT job_id FROM public.import_batches"
                                              " ORDER BY committed_at")]
    switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
    assert switches >= count, order
