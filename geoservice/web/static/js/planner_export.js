// The planner's export buttons: a table as CSV (exactly its shown cells) and a map layer as
// GeoJSON (exactly the collection drawn), downloaded by the browser. One pair of buttons per
// thing shown: the underserved communes with the accessibility map, and the communes a
// scenario makes gain with their map (scenario_map.js).

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

/**
 * Two buttons in `box`, disabled until show() is given what is on the page: `table` (an
 * element, exported as CSV) and `collection` (the FeatureCollection drawn, as GeoJSON).
 * `labels` and `files` name the buttons and the downloaded files.
 */
export function createExportButtons(box, labels, files) {
  let shown = { table: null, collection: null };
  const csvButton = el("button", { type: "button", disabled: true }, labels.csv);
  const geoButton = el("button", { type: "button", disabled: true }, labels.geojson);
  box.append(csvButton, geoButton);
  csvButton.addEventListener("click", () => {
    // A BOM so that spreadsheets read the accents as UTF-8.
    if (shown.table) download(files.csv, "text/csv;charset=utf-8", `\ufeff${tableToCsv(shown.table)}\r\n`);
  });
  geoButton.addEventListener("click", () => {
    if (shown.collection) download(files.geojson, "application/geo+json", JSON.stringify(shown.collection));
  });
  return {
    show({ table = null, collection = null } = {}) {
      shown = { table, collection };
      csvButton.disabled = !table;
      geoButton.disabled = !collection;
    },
  };
}

export function setUpPlannerExport() {
  const buttons = createExportButtons(
    document.getElementById("planner-export"),
    { csv: "Exporter le tableau (CSV)", geojson: "Exporter la carte (GeoJSON)" },
    { csv: "communes-sous-desservies.csv", geojson: "carte-accessibilite.geojson" },
  );
  const table = document.getElementById("underserved-table");
  document.addEventListener("planner-shown", (event) => {
    buttons.show({ table, collection: event.detail });
  });
}
