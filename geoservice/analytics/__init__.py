"""Territory-wide figures: accessibility, underserved zones, scenarios."""
