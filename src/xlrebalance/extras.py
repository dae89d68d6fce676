"""The optional parts of the package and the extra that installs each.

The base install (``pip install xlrebalance``) is the engine, the library API and the
Excel functions: it needs only pure-Python packages or packages Pyodide ships, so it
installs inside xlwings Lite too.  The rest comes in extras (``pyproject.toml``):

- ``workbook``: python-calamine, to read workbooks (``xr.load``, ``check``, ``report``, ``prices``);
- ``prices``: yfinance and curl_cffi, to fetch quotes from Yahoo;
- ``excel``: xlwings, for the classic desktop add-in (the functions and the buttons);
- ``brokers``: ofxtools and ibflex, to import OFX/QFX statements and Interactive Brokers Flex XML;
- ``cli``: all of the above, for the ``xlrebalance`` command line.

A module that needs one imports it through ``require``, which names the extra to install
instead of failing with a bare ``ModuleNotFoundError``.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from .errors import XlrebalanceError

#: importable module -> (distribution on PyPI, extra that installs it, what it is needed for)
OPTIONAL: dict[str, tuple[str, str, str]] = {
    "python_calamine": ("python-calamine", "workbook", "Reading a workbook"),
    "yfinance": ("yfinance", "prices", "Fetching quotes from Yahoo"),
    "curl_cffi": ("curl_cffi", "prices", "Fetching quotes from Yahoo"),
    "xlwings": ("xlwings", "excel", "The classic Excel workbook (its functions and buttons)"),
    "ofxtools": ("ofxtools", "brokers", "Importing an OFX/QFX statement"),
    "ibflex": ("ibflex", "brokers", "Importing an Interactive Brokers Flex XML file"),
}


class MissingDependency(XlrebalanceError, ImportError):
    """An optional package is not installed; the message names the extra that installs it."""

    def __init__(self, module: str, cause: BaseException | None = None):
        distribution, extra, purpose = OPTIONAL[module]
        self.module, self.distribution, self.extra = module, distribution, extra
        why = f" ({cause})" if cause is not None and str(cause) and module not in str(cause) else ""
        super().__init__(f"{purpose} needs {distribution}, which is not installed{why}: "
                         f'pip install "xlrebalance[{extra}]" (or "xlrebalance[cli]" for everything)',
                         name=module)

    def __reduce__(self):   # crosses process boundaries (check_many's workers) intact
        return (type(self), (self.module,))


def require(module: str) -> ModuleType:
    """Import the optional ``module`` (a key of ``OPTIONAL``) or raise ``MissingDependency``."""
    if module not in OPTIONAL:
        raise ValueError(f"{module!r} is not an optional dependency of xlrebalance")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = (getattr(exc, "name", None) or "").split(".")[0]
        if top and top != module:   # the package is there but one of *its* imports is broken
            raise
        raise MissingDependency(module, exc) from exc
