from __future__ import annotations

import gettext
from pathlib import Path

from tests.school.test_translations import po_entries

PO = Path(__file__).resolve().parents[2] / "cameras" / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"


def test_every_cameras_message_has_a_compiled_brazilian_portuguese_translation() -> None:
    # makemessages sends the strings of cameras/ to the app's own catalogue (cameras/locale exists); the project
    # catalogue's tests do not look there.
    entries = po_entries(PO.read_text())
    with PO.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    assert [msgid for msgid, msgstr in entries.items() if catalogue.gettext(msgid) != msgstr] == []
