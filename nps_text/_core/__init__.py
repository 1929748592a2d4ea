"""Private helpers at the bottom of the import graph: they import nothing from nps_text but ``errors``."""
