"""Which Dashboard button ran the companion's ``main()``.

The workbook's VBA project is xlwings' own (copied at build time), with one macro for
Python, ``SampleCall``: it runs ``import <workbook>; <workbook>.main()``.  Every Dashboard
button that runs Python is bound to it; ``main()`` asks Excel which one was pressed
(``Application.Caller`` is the name of the button that started the macro) and reads its
caption.  The registry's ``[workbook.dashboard] buttons`` map a caption to its ``action``
(a function of ``xlrebalance.excel.journal``); a button without one, or a caller that
cannot be told (a run from an IDE with a mock caller), is Refresh prices.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..spec import layout


def _buttons() -> list[dict]:
    return list(layout().raw["workbook"]["dashboard"]["buttons"])


def pressed_caption(book: Any) -> Optional[str]:
    """The caption of the button that started the running macro, or None when Excel cannot say."""
    try:
        name = book.app.api.Caller
    except Exception:
        return None
    if not isinstance(name, str) or not name:
        return None
    sheet_name = layout().raw["workbook"]["dashboard"]["sheet"]
    try:
        sheet = next((s for s in book.sheets if s.name == sheet_name), None)
    except Exception:
        return None
    if sheet is None:
        return None
    for get in (lambda: sheet.api.Buttons(name).Caption, lambda: sheet.shapes[name].text):
        try:
            caption = get()
        except Exception:
            continue
        if isinstance(caption, str) and caption.strip():
            return caption.strip()
    return None


def button_action(book: Any) -> Optional[Callable[[Any], Any]]:
    """The function the pressed button runs on ``book``; None = Refresh prices."""
    caption = pressed_caption(book)
    if caption is None:
        return None
    for button in _buttons():
        if button["caption"].lower() == caption.lower() and button.get("action"):
            from . import journal

            return getattr(journal, button["action"])
    return None
