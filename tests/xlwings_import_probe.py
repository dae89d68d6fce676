"""Run xlwings' own Import Functions code (``xlwings.udfs.import_udfs`` and
``generate_vba_wrapper``) on a companion module, outside Windows, and print as JSON what it
did: the VBA module it imported into the workbook and every ``MacroOptions`` call.

Only the Windows-only parts are stubbed: ``pythoncom``, ``pywintypes`` and
``win32com.client`` (modules that exist only on Windows; import_udfs uses none of them but
``pywintypes.com_error``), and the Excel workbook object (a recorder for the calls
import_udfs makes on it: ``VBProject.VBComponents.Remove/Import``, ``Application.Version``,
``Application.MacroOptions``).  The decorators are xlwings' classic ones (``xlwings.udfs.xlfunc``
/ ``xlarg`` / ``xlret``), the ones ``import xlwings`` gives on Windows.

Usage: python xlwings_import_probe.py FOLDER MODULE   (FOLDER holds MODULE.py)
"""
from __future__ import annotations

import json
import sys
import types


def stub_windows_modules() -> None:
    com_error = type("com_error", (Exception,), {})
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    sys.modules["pythoncom"] = pythoncom
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = com_error
    sys.modules["pywintypes"] = pywintypes
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *args, **kwargs: None
    win32com.client = client
    sys.modules["win32com"] = win32com
    sys.modules["win32com.client"] = client


class Recorder:
    """The Excel workbook as import_udfs sees it."""

    def __init__(self, name: str):
        self.Name = name
        self.imported: list[str] = []
        self.macro_options: list[dict] = []
        outer = self

        class Components:
            def __call__(self, name):
                return name

            def Remove(self, component):
                pass

            def Import(self, path):
                with open(path, encoding="utf-8") as f:
                    outer.imported.append(f.read())

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro, **kwargs):
                outer.macro_options.append({"macro": macro, **kwargs})

        self.VBProject = types.SimpleNamespace(VBComponents=Components())
        self.Application = Application()


def main(folder: str, module: str) -> None:
    stub_windows_modules()
    import xlwings
    import xlwings.udfs as udfs

    # the classic decorators, as `import xlwings` binds them on Windows
    xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub
    sys.path.insert(0, folder)
    udfs.get_udf_module(module, None)    # imported as Excel's first call would (no embedded code)
    book = Recorder(module + ".xlsm")
    udfs.import_udfs(module, book)
    loaded = sys.modules[module]
    docs = {}
    for name in dir(loaded):
        meta = getattr(getattr(loaded, name), "__xlfunc__", None)
        if meta:
            docs[meta["name"]] = {"doc": meta["ret"]["doc"], "args": [
                {"name": a["name"], "doc": a["doc"], "optional": "optional" in a} for a in meta["args"]]}
    print(json.dumps({"vba": book.imported, "macro_options": book.macro_options, "functions": docs}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
