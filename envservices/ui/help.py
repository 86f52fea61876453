"""Help for the main window: the user guide inside the application and the About box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox, QTextBrowser, QVBoxLayout

import envservices


class MainHelp:
    """The Help menu's two commands (a mixin of `MainWindow`)."""

    def user_guide_path(self) -> Path | None:
        from envservices.resources import ResourceNotFound, resource_path

        try:
            return resource_path("guide", "USER_GUIDE.md")
        except ResourceNotFound:
            return None

    def open_user_guide(self) -> QDialog:
        """The guide inside the application (a .md file has no program to open it on many council PCs)."""
        path = self.user_guide_path()
        dialog = QDialog(self)
        dialog.setObjectName("userGuide")
        dialog.setWindowTitle("envservices user guide")
        dialog.resize(900, 700)
        browser = QTextBrowser(dialog)
        browser.setOpenExternalLinks(True)
        if path is None:
            browser.setPlainText(GUIDE_TEXT)
        else:
            browser.setSearchPaths([str(path.parent)])
            browser.setMarkdown(path.read_text(encoding="utf-8"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About envservices", about_text())


def about_text() -> str:
    return (f"<h3>envservices {envservices.__version__}</h3>"
            "<p>Plan street cleansing, litter-bin emptying and grounds maintenance by place and by need.</p>"
            "<p>Maps in British National Grid (EPSG:27700). Demo district generated; no real data.</p>")


GUIDE_TEXT = (
    "Team leaders: click a place on the map (or find it in the list), then press 1-6 for grade A to D, "
    "record bin fills, grass heights, fly-tips and complaints. Ctrl+Z undoes.\n\n"
    "Supervisors: Plan > Plan the week, choose the week and press Generate; drag visits to pin them.\n\n"
    "Managers: Plan > Compare areas."
)
