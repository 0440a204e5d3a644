"""Column mapping: which CRM lead field each spreadsheet column feeds (SPEC 4 and 10).

Headers typed by people come as ``Tél. portable``, ``ADRESSE E-MAIL``, ``Nom de la société``. They are
compared after :func:`fold` (no case, accents, spaces or punctuation) in three steps, most certain first:

1. an exact folded alias (confidence 1.0);
2. an alias inside the header whose leftover words are all harmless qualifiers — ``E-mail professionnel``,
   ``Téléphone fixe``, ``emailaddress1``, ``Nom de la société``. The leftover must split entirely into
   known words, so ``Nom complet`` or ``Adresse société`` never map by accident;
3. a typo-tolerant :class:`difflib.SequenceMatcher` ratio on aliases of five letters or more, kept only
   when the difference looks like a slip of the keyboard (one or two edits, no word added), so short words
   such as ``Pays`` cannot drift into ``Paye`` nor ``Contact`` into ``Contact ID``.

Anything below :data:`FUZZY_THRESHOLD` stays unmapped: a column left out is kept in the raw data and the
report, while a wrong guess silently puts data in the wrong CRM column.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crm_importer.engine.errors import UnusableFileError
from crm_importer.engine.fields import CONTACT_FIELDS, FIELD_NAMES
from crm_importer.engine.typed import CrmColumn

#: Below this a guess is dropped rather than shown: a wrong mapping is worse than none.
FUZZY_THRESHOLD = 0.82
#: Aliases shorter than this take part in exact and containment matching only; one typo in a four-letter
#: word (``Pays``/``Paye``, ``Mail``/``Main``) is a different word more often than a misspelling.
_FUZZY_MIN_LENGTH = 5

#: Field name -> header aliases, French and English, as people write them (folded at import time).
#: ``Name``/``Nom complet``/``Full name`` are deliberately absent: they hold a whole name (or a company
#: name in some exports), and guessing would put ``Jean Dupont`` into ``last_name``. The user maps them.
#: ``ID``/``Identifiant``/``Référence`` mean the source system's record key, hence ``external_id``.
ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": (
        "Prénom", "Prénoms", "First Name", "Firstname", "First", "Given name", "Forename", "FName",
        "Prénom du contact", "Contact first name", "Given Name",
    ),
    "last_name": (
        "Nom", "Last Name", "Lastname", "Nom de famille", "Surname", "Family name", "LName",
        "Nom du contact", "Nom d'usage", "Contact last name",
    ),
    "email": (
        "E-mail", "Email", "Email Address", "E-mail address", "Courriel", "Adresse e-mail", "Adresse mail",
        "Adresse courriel", "Adresse électronique", "Mail", "Mél", "Email pro", "E-mail professionnel",
        "E-mail 1 - Value",
    ),
    "phone": (
        "Téléphone", "Tél.", "Tel", "Tél. portable", "Tél portable", "Portable", "Mobile", "Mobile Phone",
        "Phone", "Phone Number", "GSM", "Numéro de téléphone", "N° de téléphone", "Num tel",
        "Téléphone portable", "Téléphone mobile", "Téléphone fixe", "Tél. fixe", "Cell", "Cell phone",
        "Cellulaire", "Telephone number", "Mobile number", "Work phone", "Business phone", "Ligne directe",
        "Contact Number", "Numéro de contact", "Phone 1 - Value", "Primary Phone", "Company Main Phone",
    ),
    "company": (
        "Société", "Entreprise", "Raison sociale", "Company", "Company Name", "Organisation", "Organization",
        "Nom de la société", "Nom de l'entreprise", "Nom société", "Nom entreprise", "Account Name",
        "Compagnie", "Employeur", "Employer", "Établissement", "Dénomination sociale", "Organisme",
        "Company / Account", "Organization 1 - Name",
    ),
    "job_title": (
        "Fonction", "Poste", "Job Title", "Title", "Titre", "Position", "Intitulé du poste",
        "Intitulé de poste", "Job", "Job function", "Métier", "Occupation", "Job position",
        "Organization Title", "Organization 1 - Title",
    ),
    # A lead's business address before its home one (Outlook has both).
    "city": ("Ville", "City", "Town", "Localité", "Commune", "Address 1 - City", "Mailing City", "Business City"),
    "postal_code": (
        "Code postal", "CP", "Zip", "ZIP code", "Postal Code", "Postcode", "Zip/Postal Code", "Code post.",
        "Address 1 - Postal Code", "Mailing Zip/Postal Code", "Business Postal Code",
    ),
    "country": ("Pays", "Country", "Country/Region", "Pays/Région", "Address 1 - Country", "Mailing Country",
                "Business Country/Region"),
    "source": (
        "Source", "Lead Source", "Origine", "Provenance", "Source du lead", "Origin", "Lead origin",
        "Canal", "Canal d'acquisition", "Acquisition channel", "Original Source",
    ),
    "external_id": (
        "Identifiant externe", "ID externe", "External ID", "Ext ID", "Réf. client", "Référence client",
        "Réf. externe", "Référence externe", "External reference", "ID", "Identifiant", "Référence", "Réf.",
        "ID client", "Client ID", "Customer ID", "Code client", "N° client", "Numéro client", "Lead ID",
        "Contact ID", "Record ID",
    ),
    "notes": (
        "Commentaire", "Commentaires", "Notes", "Note", "Remarques", "Remarque", "Comments", "Comment",
        "Observations", "Observation", "Mémo", "Memo", "Description", "Informations complémentaires",
        "Infos complémentaires",
    ),
    "owner": (
        "Propriétaire", "Commercial", "Responsable", "Assigné à", "Assigné", "Attribué à", "Owner",
        "Lead Owner", "Account Owner", "Contact Owner", "Sales Rep", "Sales representative", "Salesperson",
        "Assigned to", "Vendeur", "Chargé d'affaires", "Responsable commercial", "Commercial assigné",
    ),
}

#: Aliases that say less than another alias of the same field: in Outlook's export "Title" is the
#: courtesy title (Mr., Ms.) beside "Job Title"; Google's "Occupation" is mostly empty beside
#: "Organization 1 - Title". Alone they still map (Salesforce's "Title" is the job
#: title), but a column headed by a fuller alias wins over them.
WEAK_ALIASES = frozenset({"title", "titre", "occupation"})

#: Fields several columns may feed: the first non-empty of them, in :meth:`ColumnMapping.phone_columns`
#: order (the CRM has one phone: a mobile is preferred, then the file's order).
MULTI_FIELDS = frozenset({"phone"})
#: Words in a phone column's header that make it a mobile.
_MOBILE_WORDS = ("mobile", "portable", "cell", "gsm", "cellulaire")

#: Words that may surround an alias without changing what the column holds (``Email *pro*``,
#: ``*N° de* téléphone``, ``Prénom *du contact*``). Digits are always allowed (``Email 2``).
_COMMON_FILLERS = (
    "de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "of", "the", "your", "votre",
    "contact", "client", "lead", "prospect", "customer", "person", "personne",
    "principal", "principale", "primary", "main", "pro", "professionnel", "professionnelle",
    "professional", "perso", "personnel", "personnelle", "personal", "prive", "privee", "private",
    "work", "business", "home", "bureau", "office", "domicile",
)
#: Words that count as qualifiers for one field only: ``Téléphone *société*`` is still a phone, but
#: ``Nom *société*`` is a company, not a last name; ``Email *du commercial*`` is the owner's, hence no
#: owner word here for any other field.
_COMPANY_QUALIFIERS = ("societe", "entreprise", "company", "organisation", "organization", "compagnie")
_FIELD_FILLERS: dict[str, tuple[str, ...]] = {
    # "value": Google Contacts' "E-mail 2 - Value", "Phone 2 - Value".
    "email": ("adresse", "address", "electronique", "value", *_COMPANY_QUALIFIERS),
    "phone": (
        "fixe", "numero", "number", "num", "no", "n", "nr", "ligne", "line", "directe", "direct",
        "standard", "value", *_COMPANY_QUALIFIERS,
    ),
    "company": ("nom", "name", "raison", "sociale", "denomination", "legal", "du", "de", "la"),
    "job_title": ("intitule", "libelle"),
    "city": _COMPANY_QUALIFIERS,
    "postal_code": _COMPANY_QUALIFIERS,
    "country": _COMPANY_QUALIFIERS,
    "external_id": ("externe", "external", "unique", "source", "import"),
    "notes": ("interne", "internes", "internal", "additional", "additionnel", "additionnelles", "libre"),
    "owner": (
        "nom", "name", "prenom", "email", "mail", "courriel", "adresse", "address", "a", "to", "du", "de",
        "la", "le",
    ),
}

_DIGITS = re.compile(r"[0-9]+")
#: The lowest score of an alias found inside a header.
_CONTAINMENT_FLOOR = 0.85


def fold(text: str) -> str:
    """The comparable core of a header: no case, accents, spaces or punctuation.

    ``'Adresse E-mail '`` -> ``'adresseemail'``, ``'Tél. portable'`` -> ``'telportable'``; ``N°`` and ``Nº``
    both give ``no`` so the French abbreviation of *numéro* survives. Ligatures are spelled out
    (``œ`` -> ``oe``) because NFKD does not decompose them.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("°", "o").replace("ø", "o")
    return "".join(ch for ch in stripped if ("a" <= ch <= "z") or ("0" <= ch <= "9"))


def _build_exact(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for field_name, names in aliases.items():
        if field_name not in FIELD_NAMES:
            raise ValueError(f"alias table names an unknown field: {field_name}")
        for name in (field_name, *names):
            key = fold(name)
            if not key:
                raise ValueError(f"alias {name!r} folds to nothing")
            if table.setdefault(key, field_name) != field_name:
                raise ValueError(f"alias {name!r} given to both {table[key]} and {field_name}")
    return table


#: Folded alias -> field, built once at import; ambiguous aliases are refused right here.
_EXACT: dict[str, str] = _build_exact(ALIASES)
_FUZZY_ALIASES: tuple[tuple[str, str], ...] = tuple(
    (alias, field_name) for alias, field_name in _EXACT.items() if len(alias) >= _FUZZY_MIN_LENGTH
)
#: Per field, every word allowed around one of its aliases: common fillers, its own fillers, and its
#: other aliases (``Téléphone mobile`` = two phone aliases).
_FILLERS: dict[str, frozenset[str]] = {
    field_name: frozenset(
        fold(word)
        for word in (*_COMMON_FILLERS, *_FIELD_FILLERS.get(field_name, ()))
    )
    | frozenset(alias for alias, f in _EXACT.items() if f == field_name)
    for field_name in ALIASES
}


def _splits_into(text: str, words: frozenset[str]) -> bool:
    """Whether ``text`` is a concatenation of ``words`` and digit runs (word-break on folded text)."""
    if not text:
        return True
    reachable = [False] * (len(text) + 1)
    reachable[0] = True
    lengths = sorted({len(w) for w in words})
    for start in range(len(text)):
        if not reachable[start]:
            continue
        digits = _DIGITS.match(text, start)
        if digits:
            reachable[digits.end()] = True
        for size in lengths:
            end = start + size
            if end > len(text):
                break
            if text[start:end] in words:
                reachable[end] = True
    return reachable[len(text)]


def _containment(folded: str) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, 0.0)
    for alias, field_name in _EXACT.items():
        start = folded.find(alias)
        while start != -1:
            fillers = _FILLERS[field_name]
            if _splits_into(folded[:start], fillers) and _splits_into(folded[start + len(alias):], fillers):
                # Between the fuzzy threshold and 1.0; the more of the header the alias covers, the surer.
                score = _CONTAINMENT_FLOOR + 0.14 * len(alias) / len(folded)
                if score > best[1]:
                    best = (field_name, score)
                break
            start = folded.find(alias, start + 1)
    return best


def _typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``: optimal string alignment."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _is_typo(folded: str, alias: str) -> bool:
    """Whether ``folded`` reads as ``alias`` mistyped, not as ``alias`` with a word added or removed.

    A similarity ratio alone says ``Contact`` ~ ``contactid`` and ``Mobilité`` ~ ``mobile``; real typos are
    one slip in a short word, two in a long one, and never a whole extra syllable at either end.
    """
    shorter, longer = sorted((folded, alias), key=len)
    if len(longer) - len(shorter) >= 2 and (longer.startswith(shorter) or longer.endswith(shorter)):
        return False
    allowed = 2 if len(alias) >= 10 else 1
    return _typo_distance(folded, alias) <= allowed


def _fuzzy(folded: str) -> tuple[str | None, float]:
    if len(folded) < _FUZZY_MIN_LENGTH:
        return None, 0.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(folded)  # SequenceMatcher caches its analysis of seq2: the header, reused per alias
    best: tuple[str | None, float] = (None, 0.0)
    for alias, field_name in _FUZZY_ALIASES:
        matcher.set_seq1(alias)
        if matcher.real_quick_ratio() <= best[1] or matcher.quick_ratio() <= best[1]:
            continue
        score = matcher.ratio()
        if score > best[1] and score >= FUZZY_THRESHOLD and _is_typo(folded, alias):
            best = (field_name, score)
    return best


@lru_cache(maxsize=4096)
def guess_field(header: str) -> tuple[str | None, float]:
    """The most likely field for one header, and how sure: 1.0 exact, below 1.0 inferred, 0.0 none.

    Guesses under :data:`FUZZY_THRESHOLD` come back as ``(None, 0.0)``, as do empty or punctuation-only
    headers, so callers never have to second-guess a weak match.
    """
    folded = fold(header or "")
    if not folded:
        return None, 0.0
    exact = _EXACT.get(folded)
    if exact is not None:
        return exact, 1.0
    field_name, score = max(_containment(folded), _fuzzy(folded), key=lambda guess: guess[1])
    if field_name is None or score < FUZZY_THRESHOLD:
        return None, 0.0
    return field_name, min(score, 0.99)


def _assign(headers: list[str], skip: Iterable[int] = (), taken: Iterable[str] = ()) -> list[str | None]:
    """Greedy one-field-per-column assignment: surest column first, leftmost on ties."""
    skipped = set(skip)
    used = set(taken)
    guesses = []
    for index, header in enumerate(headers):
        if index in skipped:
            continue
        field_name, score = guess_field(header)
        if field_name is not None:
            guesses.append((-score, fold(header) in WEAK_ALIASES, index, field_name))
    fields: list[str | None] = [None] * len(headers)
    for _, _, index, field_name in sorted(guesses):
        # More phone columns join the first when their header says phone plainly (not a typo's guess).
        more = field_name in MULTI_FIELDS and field_name in fields and _says_plainly(headers[index], field_name)
        if field_name not in used or more:
            used.add(field_name)
            fields[index] = field_name
    return fields


def _says_plainly(header: str, field_name: str) -> bool:
    """Whether the header is an alias of the field, or holds one among harmless words (no typo guess)."""
    folded = fold(header or "")
    return _EXACT.get(folded) == field_name or _containment(folded)[0] == field_name


def is_mobile_header(header: str) -> bool:
    folded = fold(header or "")
    return any(word in folded for word in _MOBILE_WORDS)


def auto_map(headers: list[str]) -> list[str | None]:
    """The field of each column, each field used at most once.

    A field goes to the column with the surest guess, the leftmost on a tie, so exact aliases always beat
    inferred ones and ``Email, Email`` maps the first column only; the losers stay unmapped rather than
    falling back to a weaker guess.
    """
    return _assign(list(headers))


def column_keys(headers: list[str]) -> list[str]:
    """A unique JSON key per column: the header text, ``"<header> (n)"`` for its n-th repeat.

    A generated key that collides with a real header (``A``, ``A``, ``A (2)``) takes the next free number,
    so every column keeps its own key and a saved mapping round-trips.
    """
    used = set(headers)
    seen: dict[str, int] = {}
    keys: list[str] = []
    first_taken: set[str] = set()
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        if header not in first_taken:
            first_taken.add(header)
            keys.append(header)
            continue
        number = seen[header]
        key = f"{header} ({number})"
        while key in used:
            number += 1
            key = f"{header} ({number})"
        used.add(key)
        keys.append(key)
    return keys


def _bad_mapping(path: str, reason: str) -> UnusableFileError:
    return UnusableFileError("bad_mapping", path=path, reason=reason)


@dataclass
class ColumnMapping:
    """The CRM field of each column of one file, in file order.

    Kept per column rather than per header text because real files repeat headers (two ``Email``
    columns) and leave some blank.
    """

    headers: list[str]
    fields: list[str | None]
    #: The CRM's own columns a field may also name (beyond the standard fields).
    custom: frozenset[str] = field(default_factory=frozenset, compare=False)
    #: How the cells of a mapped CRM column read (``date_order``, ``values``, ``separator``), by field:
    #: kept in a mapping profile, handed to the validation's options.
    rules: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.headers = list(self.headers)
        self.fields = list(self.fields)
        if len(self.headers) != len(self.fields):
            raise ValueError(f"{len(self.headers)} headers but {len(self.fields)} fields")
        mapped = [f for f in self.fields if f is not None]
        unknown = [f for f in mapped if f not in FIELD_NAMES and f not in self.custom]
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(unknown)}")
        single = [f for f in mapped if f not in MULTI_FIELDS]
        if len(set(single)) != len(single):
            raise ValueError("a field is mapped to more than one column")

    def field_columns(self) -> dict[str, int]:
        """Field -> column index, for the mapped fields only (the phone: its preferred column)."""
        out: dict[str, int] = {}
        for i, f in enumerate(self.fields):
            if f is not None:
                out.setdefault(f, i)
        phones = self.phone_columns()
        if phones:
            out["phone"] = phones[0]
        return out

    def phone_columns(self) -> list[int]:
        """The columns mapped to the phone, in the order their values are taken: the first non-empty
        wins, a mobile column first (the CRM keeps one phone, and a mobile reaches the lead), then the
        file's order."""
        phones = [i for i, f in enumerate(self.fields) if f == "phone"]
        return sorted(phones, key=lambda i: (not is_mobile_header(self.headers[i]), i))

    def to_json(self) -> dict[str, Any]:
        """``{header: field or null}`` in file order (SPEC 10); repeated headers get ``"<header> (n)"``; a
        field with rules is ``{"field": …, "date_order": …, "values": {…}, "separator": …}``."""
        return {key: ({"field": f, **self.rules[f]} if f is not None and self.rules.get(f) else f)
                for key, f in zip(column_keys(self.headers), self.fields, strict=True)}

    def has_contact(self) -> bool:
        """Whether a column feeds email or phone: without one no row can be valid (SPEC 3, 5)."""
        return any(f in CONTACT_FIELDS for f in self.fields)

    def with_field(self, column: int, field: str | None) -> ColumnMapping:
        """A copy with ``column`` mapped to ``field``; a column that held ``field`` before loses it."""
        if field is not None and field not in FIELD_NAMES and field not in self.custom:
            raise ValueError(f"unknown field: {field}")
        if not 0 <= column < len(self.fields):
            raise IndexError(f"no column {column} (the file has {len(self.fields)})")
        # A field moves to the column; the phone is added to the columns it takes its value from.
        fields = [None if (f == field and field is not None and field not in MULTI_FIELDS) else f
                  for f in self.fields]
        fields[column] = field
        return ColumnMapping(self.headers, fields, custom=self.custom,
                             rules={k: v for k, v in self.rules.items() if k in fields})

    def with_columns(self, columns: Mapping[str, CrmColumn]) -> ColumnMapping:
        """This mapping for another set of the CRM's own columns (connected since, or to another CRM): a
        column mapped to one it lacks is unmapped, every other choice kept (a column left unmapped stays so
        for the standard fields), and the free columns take the CRM columns their headers spell."""
        custom = _custom_names(columns)
        kept = {i: f for i, f in enumerate(self.fields) if f is None or f in FIELD_NAMES or f in custom}
        guessed = _guess(self.headers, columns, skip=[i for i, f in kept.items() if f is not None],
                         taken=[f for f in kept.values() if f is not None])
        fields = [kept[i] if kept.get(i) is not None else (guessed[i] if guessed[i] in custom else None)
                  for i in range(len(self.headers))]
        return ColumnMapping(self.headers, fields, custom=custom,
                             rules={k: v for k, v in self.rules.items() if k in fields})

    def with_rule(self, field: str, **rule: Any) -> ColumnMapping:
        """A copy where ``field``'s cells read by ``rule`` (``date_order="mdy"``, ``values={…}``); a rule
        given as None is dropped."""
        rules = {k: dict(v) for k, v in self.rules.items()}
        merged = {**rules.get(field, {}), **rule}
        rules[field] = {k: v for k, v in merged.items() if v is not None}
        return ColumnMapping(self.headers, self.fields, custom=self.custom, rules=rules)

    @classmethod
    def auto(cls, headers: list[str], columns: Mapping[str, CrmColumn] | None = None) -> ColumnMapping:
        """The mapping guessed from the headers alone; with the CRM's own ``columns``, a column left
        unmapped by the aliases takes the CRM column whose name or comment it spells (folded)."""
        return cls(list(headers), _guess(list(headers), columns), custom=_custom_names(columns))

    @classmethod
    def from_json(cls, obj: object, headers: list[str], path: str = "",
                  columns: Mapping[str, CrmColumn] | None = None) -> ColumnMapping:
        """Apply a user mapping (``--mapping M.json`` or a saved profile) to this file's headers.

        Headers it names get that field, or none for ``null``; the others are auto-mapped without taking
        a field the user chose. Keys match the header text exactly (including the ``"<header> (n)"`` keys
        :meth:`to_json` writes), then after :func:`fold`, so a profile saved from ``E-mail`` still fits a
        file headed ``EMAIL``. Keys for headers this file lacks are ignored: one profile serves several
        exports. Errors raise :class:`UnusableFileError` ``bad_mapping`` naming ``path``.
        """
        headers = list(headers)
        if not isinstance(obj, dict):
            kind = "a list" if isinstance(obj, list) else type(obj).__name__
            raise _bad_mapping(path, f'it must be a JSON object {{"header": "field" or null}}, not {kind}')
        custom = _custom_names(columns)
        known = ", ".join((*FIELD_NAMES, *sorted(custom)))
        plain: dict[str, str | None] = {}
        rules: dict[str, dict[str, Any]] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise _bad_mapping(path, f"the key {key!r} is not a header text")
            if isinstance(value, dict):
                rule = {k: v for k, v in value.items() if k != "field"}
                value = value.get("field")
                if value is not None:
                    problem = _rule_problem(rule)
                    if problem:
                        raise _bad_mapping(path, f"for “{key}”: {problem}")
                    if rule:
                        rules[str(value)] = rule
            if value is not None and not isinstance(value, str):
                raise _bad_mapping(
                    path, f"the value for “{key}” must be a field name or null, not {json.dumps(value)}"
                )
            if value is not None and value not in FIELD_NAMES and value not in custom:
                raise _bad_mapping(path, f"“{value}” (for “{key}”) is not a CRM field; known fields: {known}")
            plain[key] = value
        obj = plain

        keys = column_keys(headers)
        by_key = {key: index for index, key in enumerate(keys)}
        by_fold: dict[str, int] = {}
        for index, (key, header) in enumerate(zip(keys, headers, strict=True)):
            for folded in (fold(header), fold(key)):
                if folded:
                    by_fold.setdefault(folded, index)

        explicit: dict[int, tuple[str, str | None]] = {}
        for key, value in obj.items():
            if key in by_key:
                explicit[by_key[key]] = (key, value)
        for key, value in obj.items():
            if key in by_key:
                continue
            column = by_fold.get(fold(key))
            if column is not None and column not in explicit:
                explicit[column] = (key, value)

        owner_of: dict[str, str] = {}
        fields: list[str | None] = [None] * len(headers)
        for index in sorted(explicit):
            key, value = explicit[index]
            if value is None:
                continue
            if value in owner_of and value not in MULTI_FIELDS:
                raise _bad_mapping(path, f"“{owner_of[value]}” and “{key}” are both mapped to {value}")
            owner_of[value] = key
            fields[index] = value

        guessed = _guess(headers, columns, skip=explicit, taken=owner_of)
        merged = [fields[i] if i in explicit else guessed[i] for i in range(len(headers))]
        return cls(headers, merged, custom=custom, rules={k: v for k, v in rules.items() if k in merged})


def _guess(headers: list[str], columns: Mapping[str, CrmColumn] | None, skip: Iterable[int] = (),
           taken: Iterable[str] = ()) -> list[str | None]:
    """The aliases' guesses (:func:`_assign`), then, for the columns still free, the CRM's own column
    whose name or comment the header spells."""
    skipped, used = set(skip), set(taken)
    fields = _assign(headers, skip=skipped, taken=used)
    by_text: dict[str, str] = {}
    for name in sorted(_custom_names(columns)):
        comment = columns[name].comment if columns else None
        for text in (name, comment):
            if text and fold(text):
                by_text.setdefault(fold(text), name)
    used |= {f for f in fields if f is not None}
    for index, header in enumerate(headers):
        found = by_text.get(fold(header or ""))
        if index not in skipped and fields[index] is None and found is not None and found not in used:
            fields[index] = found
            used.add(found)
    return fields


def _custom_names(columns: Mapping[str, CrmColumn] | None) -> frozenset[str]:
    """The CRM's own columns a mapping may name: writable, beyond the standard fields."""
    return frozenset(n for n, c in (columns or {}).items() if c.writable and n not in FIELD_NAMES)


#: What a rule in a mapping file may say, and the values it takes.
_RULES: dict[str, tuple[str, ...] | None] = {"date_order": ("dmy", "mdy"), "separator": (";", ","), "values": None}


def _rule_problem(rule: dict[str, Any]) -> str | None:
    for name, value in rule.items():
        if name not in _RULES:
            return f"“{name}” is not a rule (rules: {', '.join(_RULES)})"
        allowed = _RULES[name]
        if allowed is not None and value not in allowed:
            return f"{name} must be one of {', '.join(allowed)}, not {json.dumps(value)}"
        if allowed is None and not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
            return 'values must be an object {"file value": "CRM value"}'
    return None


def load_mapping_file(path: str | Path) -> object:
    """The parsed JSON of a mapping file; :meth:`ColumnMapping.from_json` checks its shape.

    Read as ``utf-8-sig`` because Windows editors like to add a BOM.
    """
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise _bad_mapping(name, "the file does not exist") from None
    except IsADirectoryError:
        raise _bad_mapping(name, "it is a folder, not a file") from None
    except UnicodeDecodeError:
        raise _bad_mapping(name, "it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _bad_mapping(
            name, f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except OSError as exc:
        raise _bad_mapping(name, exc.strerror or str(exc)) from None


def save_mapping_file(path: str | Path, mapping: ColumnMapping) -> None:
    """Write ``mapping`` as JSON, atomically: a crash leaves the old profile or the new one, never half."""
    target = Path(path)
    text = json.dumps(mapping.to_json(), ensure_ascii=False, indent=2) + "\n"
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
