"""The mapping page on a CRM with its own columns (issue 11): offered with their type, required marks,
allowed values and the reading order of dates; validation and import use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from conftest import connect, leads_count, open_file, validate
from leadfiles import lead, write_leads_csv

APP_CRM = """
CREATE TYPE public.lead_temperature AS ENUM ('hot', 'warm', 'cold');
ALTER TABLE public.leads
    ADD COLUMN next_call date,
    ADD COLUMN score numeric(5, 1) DEFAULT 0,
    ADD COLUMN temperature public.lead_temperature,
    ADD COLUMN segment text NOT NULL;
COMMENT ON COLUMN public.leads.next_call IS 'Date de rappel';
"""


def _file(tmp_path: Path) -> Path:
    rows = [{**lead(i), "Date de rappel": f"{i + 11:02d}/01/2027", "Score": "12,5", "Temperature": "HOT",
             "Segment": "PME"} for i in range(3)]
    rows[1]["Temperature"] = "tiède"
    return write_leads_csv(tmp_path / "rappels.csv", rows, fields=["first_name", "last_name", "email", "phone"],
                           extra_headers=["Date de rappel", "Score", "Temperature", "Segment"])


def test_the_crms_own_columns_are_mapped_checked_and_imported(qtbot: Any, window: Any, pg_dsn: str,
                                                              tmp_path: Path) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(APP_CRM)
    connect(window, pg_dsn)
    open_file(qtbot, window, _file(tmp_path))
    wizard = window.wizard
    wizard.go_next()
    page = wizard.mapping_page
    headers = wizard.state.inspection.info.headers
    col = {h: i for i, h in enumerate(headers)}
    fields = wizard.state.mapping.fields
    # By the column's comment, by its name; "Segment" too (folded name).
    assert (fields[col["Date de rappel"]], fields[col["Score"]], fields[col["Temperature"]]) == (
        "next_call", "score", "temperature")
    combo = page.combos[col["Score"]]
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "segment (text) *" in labels and "next_call (date)" in labels  # * : required by the CRM
    assert page.rule_labels[col["Temperature"]].text().endswith("hot, warm, cold")
    qtbot.waitUntil(lambda: page.order_combos[col["Date de rappel"]].isVisible())  # shown once laid out
    assert page.order_combos[col["Date de rappel"]].currentData() == "dmy"  # 13/01 settles it: day first
    assert not page.order_combos[col["Score"]].isVisible()

    page.set_field(col["Segment"], None)  # the CRM requires it: the page says so and does not go on
    assert not page.can_next() and page.required.isVisibleTo(page) and "segment" in page.required.text.text()
    page.set_field(col["Segment"], "segment")
    assert page.can_next() and not page.required.isVisibleTo(page)
    page.set_date_order(col["Date de rappel"], "mdy")
    assert wizard.state.mapping.rules["next_call"] == {"date_order": "mdy"}
    assert page.rule_labels[col["Date de rappel"]].text() == page.tr("as you chose")
    page.set_date_order(col["Date de rappel"], "dmy")

    job = validate(qtbot, window)
    assert (job.valid_rows, job.invalid_rows) == (2, 1)  # "tiède" is not in the list
    wizard.go_back()
    wizard.go_back()
    wizard.go_back()
    page = wizard.mapping_page
    assert page.value_buttons[col["Temperature"]].isVisibleTo(page)
    assert page.unmatched_values(col["Temperature"]) == ["tiède"]  # "HOT" is in the list: nothing to say

    def choose_warm(dialog: Any) -> None:
        combo = dialog.combos["tiède"]
        combo.setCurrentIndex(combo.findData("warm"))

    page.value_dialog_hook = choose_warm
    page.edit_values(col["Temperature"])
    assert wizard.state.mapping.rules["temperature"] == {"values": {"tiède": "warm"}}
    assert page.value_buttons[col["Temperature"]].text() == page.tr("Values ({count})…").format(count=1)
    job = validate(qtbot, window)
    assert (job.valid_rows, job.invalid_rows) == (3, 0)
    wizard.go_next()
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=120_000) as done:
        wizard.import_page.start_button.click()
    assert done.args[0].imported_rows == 3
    assert leads_count(pg_dsn, job.id) == 3
    with psycopg.connect(pg_dsn) as conn:
        got = conn.execute("SELECT next_call::text, score::text, temperature::text, segment FROM public.leads"
                           " WHERE import_job_id = %s ORDER BY import_row", (job.id,)).fetchall()
    assert got == [("2027-01-11", "12.5", "hot", "PME"), ("2027-01-12", "12.5", "warm", "PME"),
                   ("2027-01-13", "12.5", "hot", "PME")]
