"""How micropip (the installer xlwings Lite uses) treats a requirement that is already
installed, offline: a stand-in for the xlwings the Lite add-in brings is installed first,
then two small wheels that require xlwings in and out of its version."""
import io
import json
import zipfile

import micropip


def wheel(name: str, version: str, requires=(), files=None) -> str:
    """Write a minimal pure-Python wheel into Pyodide's file system; its emfs: URL."""
    dist = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    contents = {**(files or {f"{name}/__init__.py": f"VERSION = {version!r}\n"}),
                f"{dist}/METADATA": metadata,
                f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: probe\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},,\n" for path in contents) + f"{dist}/RECORD,,\n"
    contents[f"{dist}/RECORD"] = record
    path = f"/tmp/{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in contents.items():
            archive.writestr(member, text)
    return "emfs:" + path


async def probe() -> str:
    out = {}
    await micropip.install(wheel("xlwings", "0.37.8"))
    out["xlwings"] = dict(micropip.list()).get("xlwings") and str(micropip.list()["xlwings"].version)
    try:
        await micropip.install(wheel("needs_xlwings_in_range", "1.0", ["xlwings>=0.33"]))
        out["in_range"] = "installed"
    except Exception as exc:
        out["in_range"] = f"{type(exc).__name__}: {exc}"
    try:
        await micropip.install(wheel("needs_xlwings_out_of_range", "1.0", ["xlwings>=99"]))
        out["out_of_range"] = "installed"
    except Exception as exc:
        out["out_of_range"] = f"{type(exc).__name__}: {exc}"
    import xlwings

    out["xlwings_still"] = xlwings.VERSION
    return json.dumps(out)
