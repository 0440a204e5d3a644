"""What the wizard knows so far, kept apart from the widgets (and from Qt) so pages stay thin."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_importer.crm.options import Assignment
from crm_importer.engine.fields import DEDUPE_KEYS
from crm_importer.engine.jobstore import Job
from crm_importer.engine.mapping import ColumnMapping
from crm_importer.engine.phones import DEFAULT_REGION
from crm_importer.engine.typed import CrmColumn
from crm_importer.engine.validate import ValidationOptions
from crm_importer.gui.tasks import FileHash, FileInspection


@dataclass
class WizardState:
    inspection: FileInspection | None = None
    file_hash: FileHash | None = None
    mapping: ColumnMapping | None = None
    dedupe_keys: tuple[str, ...] = DEDUPE_KEYS
    policy: str = "skip"
    assignment: Assignment = field(default_factory=Assignment)
    region: str = DEFAULT_REGION
    #: The validated job (phase 1 done); None until validation ran with the current inputs.
    job: Job | None = None
    #: The job after the commit (phase 2), or while it runs.
    imported: Job | None = None
    committing: bool = False
    #: The CRM's writable lead columns the mapping offers (empty: the standard fields only).
    crm_columns: dict[str, CrmColumn] = field(default_factory=dict)

    def validation_options(self) -> ValidationOptions:
        return ValidationOptions(region=self.region, dedupe_keys=tuple(k for k in DEDUPE_KEYS if k in self.dedupe_keys),
                                 columns=dict(self.crm_columns))

    def effective_mapping(self) -> ColumnMapping | None:
        """The mapping with the owner column applied when leads are assigned from a column."""
        mapping = self.mapping
        if mapping is None:
            return None
        if self.assignment.mode == "column" and self.assignment.column is not None:
            headers = mapping.headers
            if self.assignment.column in headers:
                mapping = mapping.with_field(headers.index(self.assignment.column), "owner")
        return mapping

    def forget_results(self) -> None:
        """Inputs changed: the validation (and anything after it) no longer describes them."""
        self.job = None
        self.imported = None
        self.committing = False
