// The planner's export buttons: the underserved table as CSV (exactly its shown cells) and
// the choropleth as GeoJSON (exactly the collection drawn), downloaded by the browser.

import { el } from "./format.js";

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** CSV of a table's shown cells (header row included), ";"-separated for French spreadsheets. */
export function tableToCsv(table) {
  const quote = (text) => {
    const t = String(text).replace(/\s+/g, " ").trim();
    return /[";\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [...table.rows]
    .map((row) => [...row.cells].map((cell) => quote(cell.textContent)).join(";"))
    .join("\r\n");
}

export function setUpPlannerExport() {
  const box = document.getElementById("planner-export");
  const table = document.getElementById("underserved-table");
  let collection = null;
  const csvButton = el("button", { type: "button", disabled: true }, "Exporter le tableau (CSV)");
  const geoButton = el("button", { type: "button", disabled: true }, "Exporter la carte (GeoJSON)");
  box.append(csvButton, geoButton);
  document.addEventListener("planner-shown", (event) => {
    collection = event.detail;
    csvButton.disabled = false;
    geoButton.disabled = !collection;
  });
  csvButton.addEventListener("click", () => {
    // A BOM so that spreadsheets read the accents as UTF-8.
    download("communes-sous-desservies.csv", "text/csv;charset=utf-8", `\ufeff${tableToCsv(table)}\r\n`);
  });
  geoButton.addEventListener("click", () => {
    if (collection) download("carte-accessibilite.geojson", "application/geo+json", JSON.stringify(collection));
  });
}
