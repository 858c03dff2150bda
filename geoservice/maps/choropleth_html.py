"""A classified choropleth as one self-contained HTML page (PNG, legend, underserved list)."""

from __future__ import annotations

import base64
import html

import pandas as pd

from geoservice.maps.choropleth import DEFAULT_LEGEND_TITLE, ChoroplethFrame
from geoservice.maps.choropleth_png import choropleth_to_png
from geoservice.maps.page import ImageSize, MapTexts

_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 75rem;
       padding: 0 1rem; color: #1a1a1a; }}
img {{ max-width: 100%; height: auto; border: 1px solid #ccc; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.swatch {{ display: inline-block; width: 1.6em; height: 1em; border: 1px solid #555;
          vertical-align: middle; }}
.hatched {{ background-image: repeating-linear-gradient(45deg, transparent 0 3px,
            #555 3px 4px); }}
footer {{ font-size: .8rem; color: #444; margin-top: 1.5rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
{subtitle}
<figure>
<img src="data:image/png;base64,{png}" alt="{alt}" width="{width}" height="{height}">
</figure>
<h2>Légende</h2>
<table class="legend">
<caption>{legend_title}</caption>
<thead><tr><th>Couleur</th><th>Classe</th><th>Communes</th>{pop_head}</tr></thead>
<tbody>
{legend_rows}
</tbody>
</table>
<h2>Communes mal desservies (plus de {threshold} min ou injoignables) : {n_under}</h2>
{under_table}
<footer>{note}<p>Données : {attribution}</p></footer>
</body>
</html>
"""


def _population_sums(frame: pd.DataFrame) -> dict[int, int] | None:
    if "population" not in frame.columns:
        return None
    pop = pd.to_numeric(frame["population"], errors="coerce").fillna(0)
    sums = pop.groupby(frame["class"]).sum()
    return {int(c): int(v) for c, v in zip(sums.index, sums.to_numpy(), strict=True)}


def _underserved_table(under: pd.DataFrame, name_col: str) -> str:
    esc = html.escape
    has_pop = "population" in under.columns
    order = under.sort_values(
        ["population", "value_minutes"] if has_pop else ["value_minutes"],
        ascending=False,
        na_position="first",
    )
    head = ["Commune", "Code"] if name_col in under.columns else ["Code"]
    head += ["Temps (min)"] + (["Habitants"] if has_pop else [])
    lines = ['<table class="underserved"><thead><tr>']
    lines += [f"<th>{h}</th>" for h in head]
    lines.append("</tr></thead><tbody>")
    for _, row in order.iterrows():
        minutes = row["value_minutes"]
        time_text = row["class_label"] if pd.isna(minutes) else f"{minutes:.0f}"
        cells = [esc(str(row[name_col]))] if name_col in under.columns else []
        cells.append(esc(str(row.get("code", ""))))
        cells.append(esc(str(time_text)))
        if has_pop:
            cells.append(f"{int(row['population']):,}" if pd.notna(row["population"]) else "")
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def choropleth_to_html(
    cf: ChoroplethFrame,
    texts: MapTexts,
    size: ImageSize | None = None,
    *,
    name_col: str = "name",
) -> str:
    """A self-contained HTML page: the PNG map embedded (base64), legend and underserved list.

    Nothing is fetched from the internet. The legend table gives each class's colour, bounds
    in minutes, number of zones and, when the frame has a ``population`` column, inhabitants.

    Parameters
    ----------
    cf, texts, size
        As for :func:`~geoservice.maps.choropleth_png.choropleth_to_png`.
    name_col
        Column naming the zones in the underserved list, when present.
    """
    size = size or ImageSize()
    title = texts.picture_title()
    legend_title = texts.legend_title or DEFAULT_LEGEND_TITLE
    png = choropleth_to_png(cf, texts, size)
    esc = html.escape
    frame = cf.frame
    pop = _population_sums(frame)
    rows = []
    for entry in cf.legend:
        css = "swatch hatched" if entry["hatch"] else "swatch"
        pop_cell = f'<td class="num">{pop.get(entry["class"], 0):,}</td>' if pop else ""
        rows.append(
            f'<tr><td><span class="{css}" style="background-color:{esc(entry["color"])}">'
            f"</span></td><td>{esc(entry['label'])}</td>"
            f'<td class="num">{entry["count"]}</td>{pop_cell}</tr>'
        )
    under = frame[frame["underserved"]]
    under_table = _underserved_table(under, name_col) if len(under) else "<p>Aucune.</p>"
    return _HTML_TEMPLATE.format(
        title=esc(title),
        subtitle=f"<p>{esc(texts.subtitle)}</p>" if texts.subtitle else "",
        png=base64.b64encode(png).decode("ascii"),
        alt=esc(f"Carte : {title}"),
        width=size.width_px,
        height=size.height_px,
        legend_title=esc(legend_title),
        pop_head="<th>Habitants</th>" if pop else "",
        legend_rows="\n".join(rows),
        threshold=f"{cf.threshold_minutes:g}",
        n_under=len(under),
        under_table=under_table,
        note=f"<p>{esc(texts.note)}</p>" if texts.note else "",
        attribution=esc(texts.attribution),
    )
