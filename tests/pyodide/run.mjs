// Run a Python script inside Pyodide under Node, offline, with a wheel installed:
//   node run.mjs PYODIDE_DIR WHEEL SCRIPT [EXPRESSION]
// Runs SCRIPT, then prints what EXPRESSION evaluates to (a string) on stdout; the
// script's own prints go to stderr.  Nothing is downloaded: Pyodide loads from
// PYODIDE_DIR (the npm package) and the wheel is unpacked into site-packages.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, wheelPath, scriptPath, expression = "None"] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir + path.sep,
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
pyodide.unpackArchive(new Uint8Array(readFileSync(wheelPath)), "wheel");
await pyodide.runPythonAsync(readFileSync(scriptPath, "utf8"));
const result = await pyodide.runPythonAsync(expression);
process.stdout.write(String(result));
