"""The top layer: pages that compose several apps (a cohort's dashboard, a module's
page with its assignments) and the demo data. Nothing imports from here."""
