"""The one message catalogue: every code the code base says exists, in both languages, with the same
placeholders and plural forms; plurals follow each language's rule."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from crm_importer.messages import LANGS, MESSAGES, message, plural_category, template

PACKAGE = Path(__file__).resolve().parents[1] / "crm_importer"
#: A code written where a sentence is made of it: message("x"), SomeError("x"), RowError("x"), code="x".
CODE_USE = re.compile(
    r'(?:\b(?:message|[A-Z][A-Za-z]*Error)\(\s*|"code":\s*|\bcode=|error_code=)"([a-z][a-z0-9_]*)"'
)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_code_the_package_uses_is_in_the_catalogue() -> None:
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for match in CODE_USE.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1), str(path.relative_to(PACKAGE)))
    assert len(used) > 50  # the pattern finds what it is meant to find
    missing = {code: where for code, where in used.items() if code not in MESSAGES}
    assert not missing


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_each_message_has_both_languages_with_the_same_placeholders(code: str) -> None:
    texts = MESSAGES[code]
    assert set(texts) == set(LANGS)
    shapes = {lang: sorted(t) if isinstance(t, dict) else None for lang, t in texts.items()}
    assert shapes["en"] == shapes["fr"]
    placeholders = set()
    for t in texts.values():
        for form in t.values() if isinstance(t, dict) else [t]:
            assert form.strip()
            placeholders.add(frozenset(_fields(form)))
    assert len(placeholders) == 1, placeholders
    if shapes["en"]:
        assert shapes["en"] == ["one", "other"] and "count" in next(iter(placeholders))


def test_plural_forms_follow_each_language() -> None:
    assert [plural_category("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert [plural_category("fr", n) for n in (0, 1, 2, 1.5)] == ["one", "one", "other", "one"]
    then = "x"
    assert message("unknown_owners", "en", count=1, owners="a@x", then=then) == (
        "1 owner matches no active CRM profile (a@x): x.")
    assert message("unknown_owners", "en", count=3, owners="a, b, c", then=then) == (
        "3 owners match no active CRM profile (a, b, c): x.")
    assert message("unknown_owners", "fr", count=0, owners="", then=then).startswith("0 responsable ne correspond")
    assert message("unknown_owners", "fr", count=2, owners="a, b", then=then).startswith(
        "2 responsables ne correspondent")
    assert template("unknown_owners", "en") == "{count} owners match no active CRM profile ({owners}): {then}."


def test_an_unknown_code_or_missing_parameter_still_gives_words() -> None:
    assert message("no_such_code", "fr") == "no_such_code"
    assert message("report_written", "fr") == "Rapport : {path}"
    assert message("report_written", "de", path="r.csv") == "Report: r.csv"
