"""``report DIR --models Models.xlsx``: the review page of 50 generated households over three
models lists exactly the out-of-tolerance ones as needing action, each as its own ``check``
says; changing one model's target changes the right households; Chromium sorts it and
every household link resolves."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from households import MODEL_TARGETS, model_household, model_households, model_tables
from xlrebalance import cli
from xlrebalance.check import check_many, check_workbook
from xlrebalance.models import load_models
from xlrebalance.models.workbook import build_models_workbook
from xlrebalance.review import review_rows
from xlrebalance.workbook.builder import build_workbook

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def book_of_business(tmp_path_factory):
    """50 households (Growth/Balanced/Income) plus two invalid ones: an unknown model, and a
    held class (Gold) the model lacks."""
    root = tmp_path_factory.mktemp("business")
    build_models_workbook(root / "Models.xlsx", tables=model_tables())
    clients = root / "clients"
    expected = {}
    for stem, model, tables, drifted in model_households(50):
        build_workbook(clients / f"{stem}.xlsm", tables=tables)
        expected[stem] = (model, drifted)
    build_workbook(clients / "zz_unknown.xlsm", tables=model_household("Agressive", {"US Stocks": 1.0}))
    gold = model_household("Growth", MODEL_TARGETS["Growth"])
    gold["Holdings"].append(["Brokerage", "GLD", 10.0])
    gold["Securities"].append(["GLD", "Gold"])
    gold["Prices"].append(["GLD", 100.0])
    build_workbook(clients / "zz_gold.xlsm", tables=gold)
    return root, clients, expected


def test_review_lists_exactly_the_out_of_tolerance_households(book_of_business, tmp_path, capsys):
    root, clients, expected = book_of_business
    out = tmp_path / "review.json"
    assert cli.main(["report", str(clients), "--models", str(root / "Models.xlsx"), "-o", str(out),
                     "--no-progress"]) == 0
    assert "52 households, 16 need action (2 with invalid inputs)" in capsys.readouterr().out
    rows = json.loads(out.read_text())["households"]
    needing = {r["household"] for r in rows if r["needs_action"]}
    drifted = {stem for stem, (_, d) in expected.items() if d}
    assert len(drifted) == 14            # i % 7 in (1, 4) for i < 50: 1, 4, 8, ..., 43, 46
    assert needing == drifted | {"zz_unknown", "zz_gold"}
    # invalid first, then the rest needing action, then those in tolerance
    order = [r["needs_action"] for r in rows]
    assert order == sorted(order, reverse=True)
    assert {r["household"] for r in rows[:2]} == {"zz_unknown", "zz_gold"}
    assert "unknown_model" in rows[0]["invalid_inputs"] + rows[1]["invalid_inputs"]
    assert "model_lacks_class" in rows[0]["invalid_inputs"] + rows[1]["invalid_inputs"]
    # each household's own check agrees, and names its model
    book = load_models(root / "Models.xlsx")
    for row in rows:
        own = check_workbook(clients / f"{row['household']}.xlsm", models=book)
        assert row["status"] == own.status()
        if row["household"] in expected:
            assert row["model"] == expected[row["household"]][0]
            assert row["trades"] and row["trades"] > 0 if row["needs_action"] else True


def test_changing_one_model_changes_the_right_households(book_of_business, tmp_path):
    root, clients, expected = book_of_business
    # Balanced 40/20/40 -> 48/20/32: its drifted households (48/20/32 held) are now on target; its others
    # (41/20/39 held) are now 7 points under in US Stocks (band 5): out. Growth and Income unchanged.
    moved = {**MODEL_TARGETS, "Balanced": {"US Stocks": 0.48, "Intl Stocks": 0.20, "Bonds": 0.32}}
    build_models_workbook(tmp_path / "Models.xlsx", tables=model_tables(moved))
    paths = sorted(clients.glob("household_*.xlsm"))
    before = {r.household: r.needs_action for r in review_rows(check_many(paths, models=load_models(root / "Models.xlsx")))}
    after = {r.household: r.needs_action for r in review_rows(check_many(paths, models=load_models(tmp_path / "Models.xlsx")))}
    flipped = {h for h in before if before[h] != after[h]}
    assert flipped == {stem for stem, (model, _) in expected.items() if model == "Balanced"}
    assert all(after[h] == (not expected[h][1]) for h in flipped)


def test_review_csv(book_of_business, tmp_path):
    root, clients, _ = book_of_business
    out = tmp_path / "review.csv"
    assert cli.main(["report", str(clients), "--models", str(root / "Models.xlsx"), "-o", str(out),
                     "--no-progress"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 52 and rows[0]["needs_action"] == "True"
    assert {"household", "model", "value", "portfolio_drift", "out_of_band", "status", "last_review", "trades",
            "est_tax", "harvestable_loss", "ips_review_due", "invalid_inputs"} <= set(rows[0])


def _chromium() -> str:
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if os.environ.get("CI"):
        pytest.fail("chromium is required in CI to render the review page (apt-get install chromium)")
    pytest.skip("chromium is not installed")


# Run in the page after load: click "Portfolio drift" twice (ascending, then descending) and
# "Household" once, record the orders, and check every household link's target exists.
_PROBE = """
<script>
window.addEventListener("load", function () {
  var heads = document.querySelectorAll("table.review th"), out = {};
  function col(name) { for (var i = 0; i < heads.length; i++) { if (heads[i].textContent === name) return i; } }
  function values(i) { return Array.prototype.map.call(document.querySelector("table.review").tBodies[0].rows,
                                                      function (r) { return r.cells[i].getAttribute("data-v"); }); }
  var d = col("Portfolio drift"), h = col("Household");
  out.initial = values(h);
  heads[d].click(); out.drift_up = values(d);
  heads[d].click(); out.drift_down = values(d);
  heads[h].click(); out.names = values(h);
  var links = document.querySelectorAll("table.review a[href^='#']");
  out.links = links.length;
  out.broken = Array.prototype.filter.call(links, function (a) {
    return !document.getElementById(a.getAttribute("href").slice(1)); }).map(function (a) { return a.textContent; });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def test_chromium_sorts_the_page_and_every_link_resolves(book_of_business, tmp_path):
    browser = _chromium()
    root, clients, _ = book_of_business
    page = tmp_path / "review.html"
    assert cli.main(["report", str(clients), "--models", str(root / "Models.xlsx"), "-o", str(page),
                     "--no-progress"]) == 0
    html = page.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(?!#)', html)        # self-contained: nothing loaded, only anchors
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
               probed.resolve().as_uri()]
    completed = subprocess.run(command, capture_output=True, timeout=120)
    dom = completed.stdout.decode("utf-8", errors="replace")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, completed.stderr.decode(errors="replace")[-2000:]
    import html as html_lib

    probe = json.loads(html_lib.unescape(found.group(1)))
    assert probe["initial"][:2] == sorted(probe["initial"][:2]) and set(probe["initial"][:2]) == {"zz_gold", "zz_unknown"}
    drifts = [float(v) for v in probe["drift_up"] if v != ""]
    assert drifts == sorted(drifts) and len(drifts) == 50
    assert probe["drift_up"][-2:] == ["", ""]            # invalid households: no drift, blanks last
    down = [float(v) for v in probe["drift_down"] if v != ""]
    assert down == sorted(down, reverse=True)
    assert probe["names"] == sorted(probe["names"])
    assert probe["links"] == 52 and probe["broken"] == []
