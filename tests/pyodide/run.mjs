// Run a Python script inside Pyodide under Node, offline, with wheels installed:
//   node run.mjs PYODIDE_DIR SCRIPT EXPRESSION [WHEEL...]
// Unpacks each WHEEL into site-packages, runs SCRIPT, then prints what EXPRESSION evaluates
// to (a string) on stdout; the script's own prints go to stderr.  Nothing is downloaded:
// Pyodide loads from PYODIDE_DIR (the npm package).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, scriptPath, expression, ...wheels] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir + path.sep,
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
for (const wheel of wheels) {
  pyodide.unpackArchive(new Uint8Array(readFileSync(wheel)), "wheel");
}
await pyodide.runPythonAsync(readFileSync(scriptPath, "utf8"));
const result = await pyodide.runPythonAsync(expression);
process.stdout.write(String(result));
