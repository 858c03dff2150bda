"""GeoDataFrame to GeoJSON / PNG / HTML; no Flask here."""
