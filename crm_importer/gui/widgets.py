"""Small reusable widgets: the step bar, summary cards, banners, the drop zone."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from crm_importer.gui.resources import icon

ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def button_text(text: str) -> str:
    """``text`` for a button, check box or tab, where Qt takes ``&`` as a mnemonic ("Validate & analyse"
    would show "Validate _analyse"): its ampersands doubled, so they show as written."""
    return text.replace("&", "&&")


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed (Qt does not do it by itself)."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class WizardPage(QWidget):
    """One page of the import wizard: the wizard asks it whether Next is allowed, tells it when it is
    shown and when the language changed, and listens to ``changed`` to ask again."""

    changed = Signal()

    def retranslate(self) -> None:
        """Set every text again (after the language changed)."""

    def enter(self) -> None:
        """The page is being shown."""

    def can_next(self) -> bool:
        return False

class FormComboBox(QComboBox):
    """A combo box in a scrolling form: the mouse wheel scrolls the form, and changes the choice only once
    the box has the focus (a click, Tab). A wheel notch passing over it never changes a mapping by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel alone does not focus it

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # goes to the scroll area around it


class StepBar(QWidget):
    """The wizard's steps in a row; the current one highlighted, the done ones ticked."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StepBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.labels: list[QLabel] = []
        for _ in range(count):
            label = QLabel(self)
            label.setObjectName("Step")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            layout.addWidget(label)
            self.labels.append(label)
        self._current = 0

    def set_titles(self, titles: list[str]) -> None:
        for i, (label, title) in enumerate(zip(self.labels, titles, strict=True)):
            mark = "✓" if i < self._current else str(i + 1)
            label.setText(f"{mark}  {title}")
            label.setProperty("titleText", title)

    def set_current(self, index: int) -> None:
        self._current = index
        for i, label in enumerate(self.labels):
            label.setProperty("state", "current" if i == index else "done" if i < index else "todo")
            repolish(label)
        self.set_titles([str(lbl.property("titleText") or "") for lbl in self.labels])


class StatCard(QFrame):
    """A number with its caption (Total, Valid, Invalid…)."""

    def __init__(self, tone: str = "neutral", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatCard")
        self.setProperty("tone", tone)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.value = QLabel("—", self)
        self.value.setObjectName("StatValue")
        self.caption = QLabel(self)
        self.caption.setObjectName("StatCaption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, value: str, caption: str | None = None) -> None:
        self.value.setText(value)
        if caption is not None:
            self.caption.setText(caption)


class Banner(QFrame):
    """A coloured message strip (info, warning, error, success) with an icon."""

    def __init__(self, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        self.icon.setFixedSize(20, 20)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.buttons = QHBoxLayout()
        layout.addLayout(self.buttons)
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        self.setProperty("kind", kind)
        name = {"info": "info", "warning": "alert", "error": "alert", "success": "check"}.get(kind, "info")
        self.icon.setPixmap(icon(name).pixmap(20, 20))
        repolish(self)

    def show_message(self, text: str, kind: str | None = None) -> None:
        if kind:
            self.set_kind(kind)
        self.text.setText(text)
        self.show()


class PathBanner(Banner):
    """Said when the system cannot open a file the user asked for (no application, no desktop launcher):
    where the file is, with a button that copies its path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("warning", parent)
        self.path = ""
        self.copy_button = QPushButton(self)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.addWidget(self.copy_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.copy_button.setText(self.tr("Copy the path"))
        if self.path:
            self.text.setText(self._said())

    def _said(self) -> str:
        return self.tr("The system has no application to open this file; it is here: {path}").format(path=self.path)

    def show_path(self, path: str) -> None:
        self.path = path
        self.show_message(self._said(), "warning")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.path)


class DropZone(QFrame):
    """Where a file can be dropped; emits the dropped path."""

    dropped = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropZone")
        self.setAcceptDrops(True)

    @staticmethod
    def _path(event: QDragEnterEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        for url in urls:
            if url.isLocalFile():
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        path = self._path(event)
        if path is not None and path.suffix.lower() in ACCEPTED_SUFFIXES:
            self.setProperty("hover", True)
            repolish(self)
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        self.setProperty("hover", False)
        repolish(self)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.setProperty("hover", False)
        repolish(self)
        path = self._path(event)
        if path is not None:
            event.acceptProposedAction()
            self.dropped.emit(path)


def heading(text: str = "", parent: QWidget | None = None, level: int = 1) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("H1" if level == 1 else "H2")
    label.setWordWrap(True)
    return label


def hint(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("Hint")
    label.setWordWrap(True)
    return label


def page_layout(page: QWidget, *, spacing: int = 12,
                margins: tuple[int, int, int, int] = (0, 0, 0, 0)) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """The layout a page starts with: its heading, and a hint under it (both worded by ``retranslate``)."""
    root = QVBoxLayout(page)
    root.setContentsMargins(*margins)
    root.setSpacing(spacing)
    title = heading(parent=page)
    subtitle = hint(parent=page)
    root.addWidget(title)
    root.addWidget(subtitle)
    return root, title, subtitle
