"""The statements that put one batch of staged rows into the CRM's leads table.

A batch is copied into a temporary stage table kept for the session and emptied at every commit
(:func:`stage_table_sql`, ``ON COMMIT DELETE ROWS``); :func:`ensure_stage_sql` creates it when the session
does not have it (a new connection, or another backend behind a transaction pooler) or has it with other
columns (another job's, on a pooled backend). Then one set-based statement (:func:`build_commit_sql`)
matches the rows against existing leads through the normalized-key indexes, applies the duplicate policy
(skip / update / create) and the assignment, and writes the inserted and updated leads with their
``lead_history`` rows, returning one outcome row per file row; with ``ledger=True`` the same statement
writes the batch's ledger row (nothing at all when the ledger already has the batch) and returns its
inserted and updated rows joined (one row per outcome), and
:func:`job_counters_sql` makes the job's counters again from the ledger, so that a batch costs one round
trip after its COPY. The match itself (:func:`build_match_sql`) goes in the batch's first round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psycopg import sql

from crm_importer.crm.names import CrmNames
from crm_importer.engine.fields import DEDUPE_KEYS, LEAD_COLUMNS

#: The stage table's columns (the CRM's own fields go before ``owner_id``). A batch's normalized keys are not
#: in it: the match takes them as arrays, in the batch's first round trip (:func:`build_match_sql`).
STAGE_COLUMNS = ("import_row", *LEAD_COLUMNS, "owner_id")


def stage_name(column: str) -> str:
    """The stage table's column for a CRM column: its own name for a standard field, ``x_<name>`` for one
    of the CRM's own (so that none can take the name of the stage's own columns)."""
    return column if column in LEAD_COLUMNS else f"x_{column}"


def stage_columns(custom: Sequence[str] = ()) -> tuple[str, ...]:
    return (*STAGE_COLUMNS[:-1], *(stage_name(c) for c in custom), STAGE_COLUMNS[-1])


def stage_table_sql(custom: Sequence[str] = ()) -> sql.Composed:
    """The stage table: every value as text (the batch statement casts the CRM's typed columns)."""
    names = stage_columns(custom)
    cols: list[sql.Composable] = [sql.SQL("import_row integer NOT NULL")]
    cols += [sql.SQL("{} text").format(sql.Identifier(c)) for c in names[1:-1]]
    cols.append(sql.SQL("owner_id uuid"))
    return sql.SQL("CREATE TEMP TABLE _crm_stage ({}) ON COMMIT DELETE ROWS").format(sql.SQL(", ").join(cols))


def ensure_stage_sql(custom: Sequence[str] = ()) -> sql.Composed:
    """One statement, no round trip of its own (it goes with the batch's first one): the stage table of
    :func:`stage_table_sql` is there with exactly these columns afterwards. Only ``pg_temp`` is touched."""
    signature = ",".join(stage_columns(custom))
    return sql.SQL(
        "DO $crm_stage$ BEGIN"
        " IF to_regclass('pg_temp._crm_stage') IS NOT NULL AND (SELECT string_agg(attname::text, ',' ORDER BY attnum)"
        " FROM pg_attribute WHERE attrelid = to_regclass('pg_temp._crm_stage') AND attnum > 0 AND NOT attisdropped)"
        " IS DISTINCT FROM {signature} THEN DROP TABLE pg_temp._crm_stage; END IF;"
        " IF to_regclass('pg_temp._crm_stage') IS NULL THEN {create}; END IF;"
        " END $crm_stage$"
    ).format(signature=sql.Literal(signature), create=stage_table_sql(custom))


def ensure_match_sql() -> sql.SQL:
    """One statement, no round trip of its own: the match table is there afterwards, a temporary table
    kept for the session and emptied at every commit, its ``lead_id`` typed as the CRM's ``leads.id`` (made
    again when a pooled backend has one of another CRM's type). Only ``pg_temp`` is touched."""
    return sql.SQL(
        "DO $crm_match$ BEGIN"
        " IF to_regclass('pg_temp._crm_match') IS NOT NULL AND (SELECT atttypid FROM pg_attribute"
        " WHERE attrelid = to_regclass('pg_temp._crm_match') AND attname = 'lead_id') IS DISTINCT FROM"
        " (SELECT atttypid FROM pg_attribute WHERE attrelid = 'public.leads'::regclass AND attname = 'id')"
        " THEN DROP TABLE pg_temp._crm_match; END IF;"
        " IF to_regclass('pg_temp._crm_match') IS NULL THEN CREATE TEMP TABLE _crm_match ON COMMIT DELETE ROWS AS"
        " SELECT 0::integer AS import_row, l.id AS lead_id, ''::text AS key FROM public.leads l WITH NO DATA;"
        " END IF; END $crm_match$"
    )


def _match_branches(names: CrmNames, first: bool = True) -> dict[str, str]:
    """The match of a staged row against existing leads, per key, through the CRM's index expressions: the
    first lead found (``LIMIT 1``: a plain index probe), or every one (``first`` False)."""
    limit = " LIMIT 1" if first else ""
    return {
        "email": "(SELECT l.id, 'email'::text AS key, 1 AS prio FROM public.leads l "
        f"WHERE s.k_email IS NOT NULL AND l.email IS NOT NULL AND {names.match_expr('email')} = s.k_email{limit})",
        "phone": "(SELECT l.id, 'phone'::text AS key, 2 AS prio FROM public.leads l "
        "WHERE s.k_phone IS NOT NULL AND l.phone IS NOT NULL AND public.crm_phone_e164(l.phone, {cc}) = s.k_phone"
        f"{limit})",
        "external_id": "(SELECT l.id, 'external_id'::text AS key, 3 AS prio FROM public.leads l "
        "WHERE s.k_external_id IS NOT NULL AND l.external_id IS NOT NULL "
        f"AND {names.match_expr('external_id')} = s.k_external_id{limit})",
    }


def matches(dedupe_keys: Sequence[str], policy: str) -> bool:
    """Whether a batch is matched against existing leads at all (policy ``create`` inserts every row)."""
    return bool(dedupe_keys) and policy != "create"


def build_match_sql(dedupe_keys: Sequence[str], country_code: str, names: CrmNames | None = None, *,
                    row_security: bool = False, login_probes_for: str | None = None) -> sql.Composed:
    """The match of a batch's rows against existing leads, into the match table (:func:`ensure_match_sql`):
    one row per matched file row, the lead it matches and the key that matched (email before phone before
    external ID). The rows are given by their keys alone, as four arrays (``%(m_rows)s``, ``%(m_email)s``,
    ``%(m_phone)s``, ``%(m_external_id)s``: PostgreSQL array literals), so that the match can go in the
    batch's first round trip, before its rows are copied: a batch's inserted count (its rows less its
    matched ones) is known from it, and the next batch's round-robin turn with it.

    ``row_security``: the session is subject to the leads' row-level security (a login that does not bypass
    it). Its policies are then checked before any other condition on a lead, and the key expressions
    (``lower()``, the phone's) are not leakproof: the CRM's key indexes cannot be used, and a probe per row
    would scan the leads once per row. The match is then one hash join instead: the leads the login sees,
    scanned once per batch, their keys against the batch's.

    ``login_probes_for``: under row-level security, the role the transaction acts as (a declared identity's
    API role, ``authenticated``) when the login itself bypasses it and may use that role's rights (on the
    session's tables). The leads of each key are then found by index probes as the login (``SET LOCAL ROLE
    NONE`` for the statement), and those the acting role does not see are dropped under its policies (a
    probe of the primary key each, which they allow): what the join finds, at the probes' cost."""
    names = names or CrmNames()
    if not country_code.isdigit():
        raise ValueError("calling code must be digits")
    keys = ("FROM unnest(%(m_rows)s::integer[], %(m_email)s::text[], %(m_phone)s::text[],"
            " %(m_external_id)s::text[]) AS s(import_row, k_email, k_phone, k_external_id)")
    if row_security and login_probes_for is not None:
        every = " UNION ALL ".join(_match_branches(names, first=False)[k] for k in DEDUPE_KEYS if k in dedupe_keys)
        order = "array_position(ARRAY['email', 'phone', 'external_id'], {k}.key)"
        return sql.SQL(
            "SELECT set_config('role', 'none', true); "
            "INSERT INTO _crm_match (import_row, lead_id, key) SELECT s.import_row, x.id, x.key " + keys +
            " CROSS JOIN LATERAL (" + every + ") x; "
            "SELECT set_config('role', {role}, true); "
            # OFFSET 0 keeps it a probe of the primary key per match (not a join that scans the leads).
            "DELETE FROM _crm_match m WHERE NOT EXISTS (SELECT 1 FROM public.leads l WHERE l.id = m.lead_id"
            " OFFSET 0); "
            # One match per row: its first key's, and of several leads the first by id.
            "DELETE FROM _crm_match m USING _crm_match o WHERE o.import_row = m.import_row AND ("
            + order.format(k="o") + ", o.lead_id::text) < (" + order.format(k="m") + ", m.lead_id::text)"
        ).format(cc=sql.Literal(country_code), role=sql.Literal(login_probes_for))
    if row_security:
        # One scan of the leads for every key (the policies evaluated once per lead): each lead's keys and the
        # batch's, one row per key, hash-joined on (key, value).
        lead_keys = {
            "email": f"CASE WHEN l.email IS NOT NULL THEN {names.match_expr('email')} END",
            "phone": "CASE WHEN l.phone IS NOT NULL THEN public.crm_phone_e164(l.phone, {cc}) END",
            "external_id": f"CASE WHEN l.external_id IS NOT NULL THEN {names.match_expr('external_id')} END",
        }
        used = [(prio, key) for prio, key in enumerate(DEDUPE_KEYS, 1) if key in dedupe_keys]
        batch_values = ", ".join(f"('{key}'::text, {prio}, s.k_{key})" for prio, key in used)
        lead_values = ", ".join(f"('{key}'::text, {lead_keys[key]})" for _, key in used)
        return sql.SQL(
            "WITH s AS MATERIALIZED (SELECT * " + keys + "), k AS MATERIALIZED (SELECT s.import_row, v.key, v.prio,"
            " v.val FROM s CROSS JOIN LATERAL (VALUES " + batch_values + ") v(key, prio, val) WHERE v.val IS NOT NULL)"
            " INSERT INTO _crm_match (import_row, lead_id, key) SELECT DISTINCT ON (k.import_row) k.import_row, l.id,"
            " k.key FROM public.leads l CROSS JOIN LATERAL (VALUES " + lead_values + ") lk(key, val)"
            " JOIN k ON k.key = lk.key AND k.val = lk.val ORDER BY k.import_row, k.prio"
        ).format(cc=sql.Literal(country_code))
    branches = " UNION ALL ".join(_match_branches(names)[k] for k in DEDUPE_KEYS if k in dedupe_keys)
    return sql.SQL(
        "INSERT INTO _crm_match (import_row, lead_id, key) SELECT s.import_row, x.id, x.key " + keys +
        " CROSS JOIN LATERAL (SELECT c.id, c.key FROM (" + branches + ") c ORDER BY c.prio LIMIT 1) x"
    ).format(cc=sql.Literal(country_code))


def build_commit_sql(dedupe_keys: Sequence[str], policy: str, assign_mode: str,
                     columns: Sequence[str] = LEAD_COLUMNS,
                     defaults: Mapping[str, str] | None = None,
                     casts: Mapping[str, str] | None = None,
                     names: CrmNames | None = None, ledger: bool = False) -> sql.Composed:
    """The one statement that commits a range of staged rows (see the module docstring).

    Only ``columns`` (the fields the file maps) and the importer's own are written: every other column of
    the CRM keeps its default. An empty cell of a mapped column whose CRM column has a default gets that
    default (``defaults``: column -> the expression :func:`default_sql` builds). The CRM's own columns
    (``columns`` beyond the standard fields) are staged as validated text and cast to their type
    (``casts``: column -> type, for those that are not text). ``names`` are the app's own (its owner
    column, its history columns and event words: :mod:`crm_importer.crm.names`).

    ``ledger``: the statement also writes the ledger row ``import_batches(%(job)s, %(batch_no)s)`` (row count
    ``%(rows)s``, ``rr_next`` = ``%(rr_offset)s`` plus the inserted rows when ``%(rr_counts)s``, the skipped
    rows in ``details``; :func:`job_counters_sql` then counts it in the job's counters); if the ledger has the
    batch already (a concurrent run's commit is seen: the statement's snapshot is taken after the locks) it
    writes nothing. Its inserted and updated rows come back as one row per outcome, their row numbers and
    lead ids comma-joined in the same order (the skipped ones one by one, with their key), and one more row,
    ``('ledger', NULL, NULL, NULL)``, when it wrote the ledger row.

    The insert has no ``ON CONFLICT`` clause: a batch's leads and its ledger row go in one transaction, under
    the commit lock, after the ledger was read, so a row of the job is never inserted twice; were it to be,
    the CRM's unique ``(import_job_id, import_row)`` refuses it and the row is reported, not silently
    dropped. (A speculative insertion cost about 6 % of the statement.)
    """
    names = names or CrmNames()
    match = matches(dedupe_keys, policy)
    fields = [c for c in LEAD_COLUMNS if c in columns] + [c for c in columns if c not in LEAD_COLUMNS]
    defaults = defaults or {}
    casts = casts or {}
    ident = {c: sql.Identifier(c) for c in fields}
    staged = {c: sql.Identifier(stage_name(c)) for c in fields}

    def val(alias: str, c: str) -> sql.Composable:
        """The staged value of ``c`` in row ``alias``, typed as the CRM column is."""
        value = sql.SQL("{}.{}").format(sql.Identifier(alias), staged[c])
        return sql.SQL("{}::{}").format(value, sql.SQL(casts[c])) if c in casts else value
    not_in_ledger = sql.SQL(" AND NOT EXISTS (SELECT 1 FROM public.import_batches b"
                            " WHERE b.job_id = %(job)s AND b.batch_no = %(batch_no)s)") if ledger else sql.SQL("")
    parts: list[sql.Composable] = [sql.SQL("WITH s AS (SELECT * FROM _crm_stage WHERE import_row BETWEEN %(lo)s AND %(hi)s{})")
                                   .format(not_in_ledger)]
    if match:
        # The batch's matches, found by its first round trip (build_match_sql).
        parts.append(sql.SQL(", m AS (SELECT c.import_row, c.lead_id, c.key FROM _crm_match c"
                             " WHERE c.import_row IN (SELECT import_row FROM s))"))
        parts.append(
            sql.SQL(
                ", ins_src AS (SELECT s.*, row_number() OVER (ORDER BY s.import_row) AS rn FROM s"
                " WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.import_row = s.import_row))"
            )
        )
    else:
        parts.append(sql.SQL(", ins_src AS (SELECT s.*, row_number() OVER (ORDER BY s.import_row) AS rn FROM s)"))
    own = ["created_by", "import_job_id", "import_row"]
    own_src: list[sql.Composable] = [sql.SQL("%(actor)s"), sql.SQL("%(job)s"), sql.SQL("ins_src.import_row")]
    if assign_mode == "user" or assign_mode == "column":
        own.append(names.owner)
        own_src.append(sql.SQL("ins_src.owner_id"))
    elif assign_mode == "round_robin":
        own.append(names.owner)
        own_src.append(sql.SQL("(%(rr_users)s::uuid[])[1 + ((%(rr_offset)s + ins_src.rn - 1) %% %(rr_n)s)]"))
    # Without an assignment the owner column is not named: the CRM's default (if any) decides.
    src: list[sql.Composable] = []
    for c in fields:
        value = val("ins_src", c)
        if c in defaults:
            value = sql.SQL("coalesce({}, {})").format(value, sql.SQL(defaults[c]))
        src.append(value)
    parts.append(
        sql.SQL(
            ", ins AS (INSERT INTO public.leads ({cols}) SELECT {src} FROM ins_src"
            " RETURNING id, import_row, {owner} AS owner)"
            ", h_ins AS ({history} SELECT id, {created}, %(actor)s, %(job)s,"
            " jsonb_build_object('import_row', import_row, 'assigned_to', owner) FROM ins)"
        ).format(
            cols=sql.SQL(", ").join([*(ident[c] for c in fields), *(sql.Identifier(c) for c in own)]),
            src=sql.SQL(", ").join([*src, *own_src]),
            owner=sql.Identifier(names.owner), history=names.history_insert(),
            created=sql.Literal(names.event_word("created")),
        )
    )
    outcome = [sql.SQL("SELECT 'inserted'::text AS outcome, import_row, id AS lead_id, NULL::text AS key FROM ins")]
    if match and policy == "update" and fields:
        differs = sql.SQL(" OR ").join(
            sql.SQL("(s.{st} IS NOT NULL AND {v} IS DISTINCT FROM l.{c})").format(st=staged[c], v=val("s", c),
                                                                                 c=ident[c])
            for c in fields
        )
        changes = sql.SQL(", ").join(
            sql.SQL(
                "({name}, CASE WHEN s.{st} IS NOT NULL AND {v} IS DISTINCT FROM o.{c}"
                " THEN jsonb_build_object('old', o.{c}, 'new', {v}) END)"
            ).format(name=sql.Literal(c), st=staged[c], v=val("s", c), c=ident[c])
            for c in fields
        )
        parts.append(
            sql.SQL(
                ", pick AS (SELECT DISTINCT ON (lead_id) import_row, lead_id, key FROM m ORDER BY lead_id, import_row)"
                ", old AS (SELECT l.* FROM public.leads l JOIN pick p ON p.lead_id = l.id)"
                ", upd AS (UPDATE public.leads l SET {sets}, updated_at = now()"
                " FROM pick p JOIN s ON s.import_row = p.import_row"
                " WHERE l.id = p.lead_id AND ({differs}) RETURNING l.id, p.import_row, p.key)"
                ", h_upd AS ({history} SELECT u.id, {updated}, %(actor)s, %(job)s,"
                " jsonb_build_object('import_row', u.import_row,"
                " 'fields', (SELECT jsonb_object_agg(k, v) FROM (VALUES {changes}) AS ch(k, v) WHERE v IS NOT NULL))"
                " FROM upd u JOIN s ON s.import_row = u.import_row JOIN old o ON o.id = u.id)"
            ).format(
                sets=sql.SQL(", ").join(sql.SQL("{c} = coalesce({v}, l.{c})").format(c=ident[c], v=val("s", c))
                                        for c in fields),
                differs=differs,
                changes=changes,
                history=names.history_insert(),
                updated=sql.Literal(names.event_word("updated")),
            )
        )
        outcome.append(sql.SQL("SELECT 'updated', import_row, id, key FROM upd"))
        outcome.append(
            sql.SQL("SELECT 'skipped', m.import_row, m.lead_id, m.key FROM m WHERE NOT EXISTS"
                    " (SELECT 1 FROM upd WHERE upd.import_row = m.import_row)")
        )
    elif match:
        outcome.append(sql.SQL("SELECT 'skipped', import_row, lead_id, key FROM m"))
    if not ledger:
        return sql.SQL(" ").join(parts) + sql.SQL(" ") + sql.SQL(" UNION ALL ").join(outcome)
    parts.append(sql.SQL(", o AS ({})").format(sql.SQL(" UNION ALL ").join(outcome)))
    parts.append(sql.SQL(
        ", led AS (INSERT INTO public.import_batches (job_id, batch_no, row_count, inserted, updated, skipped,"
        " rr_next, details) SELECT %(job)s, %(batch_no)s, %(rows)s, c.ins, c.upd, c.skp,"
        " %(rr_offset)s + CASE WHEN %(rr_counts)s THEN c.ins ELSE 0 END,"
        " jsonb_build_object('skipped', c.skipped, 'rejected', '[]'::jsonb)"
        " FROM (SELECT count(*) FILTER (WHERE outcome = 'inserted') AS ins,"
        " count(*) FILTER (WHERE outcome = 'updated') AS upd, count(*) FILTER (WHERE outcome = 'skipped') AS skp,"
        " coalesce(jsonb_agg(jsonb_build_array(import_row, key) ORDER BY import_row)"
        " FILTER (WHERE outcome = 'skipped'), '[]'::jsonb) AS skipped FROM o) c"
        " WHERE NOT EXISTS (SELECT 1 FROM public.import_batches b WHERE b.job_id = %(job)s"
        " AND b.batch_no = %(batch_no)s) RETURNING inserted, updated, skipped)"
        # The inserted and updated rows as one row per outcome (their row numbers and lead ids, comma-joined
        # in the same order: no per-row value to parse on the client), the skipped ones (with their key)
        # one by one.
        " SELECT outcome, string_agg(import_row::text, ','), string_agg(lead_id::text, ','), NULL::text FROM o"
        " WHERE outcome <> 'skipped' GROUP BY outcome"
        " UNION ALL SELECT outcome, import_row::text, lead_id::text, key FROM o WHERE outcome = 'skipped'"
        " UNION ALL SELECT 'ledger', NULL, NULL, NULL FROM led"))
    return sql.SQL(" ").join(parts)


def job_counters_sql(job: sql.Composable | None = None) -> sql.Composed:
    """The job's counters on its server row, made again from its ledger (the batches committed, this
    transaction's own included): a statement of its own, just before ``COMMIT``, run by a round's leader
    and by a batch committed alone, never by a follower, so that batches committing side by side do not
    queue for the job's row (a follower's batch is counted by the next leader, and at the end). ``job``:
    the job id (``%(job)s`` by default)."""
    return sql.SQL(
        "UPDATE public.import_jobs j SET processed_rows = c.processed, imported_rows = c.imported,"
        " updated_rows = c.updated, skipped_rows = c.skipped, rejected_rows = c.rejected,"
        " last_checkpoint = c.last, updated_at = now() FROM (SELECT coalesce(sum(row_count), 0) AS processed,"
        " coalesce(sum(inserted), 0) AS imported, coalesce(sum(updated), 0) AS updated,"
        " coalesce(sum(skipped), 0) AS skipped,"
        " coalesce(sum(jsonb_array_length(coalesce(details->'rejected', '[]'::jsonb))), 0) AS rejected,"
        " max(batch_no) AS last FROM public.import_batches WHERE job_id = {job}) c WHERE j.id = {job}"
    ).format(job=job if job is not None else sql.Placeholder("job"))


def default_sql(default: str, cast: str | None = None) -> str:
    """A CRM column's default as the value an empty mapped cell takes, typed like the staged value beside
    it (text, or the column's type when it is cast): the expression as the catalog prints it
    (``'manual'::text``, ``now()``), evaluated per row."""
    return f"(({default}))::{cast or 'text'}"
