"""Theme ids with a meaning across the package (no imports: the lightest modules use them)."""

# themes of the bundled taxonomy that name no aspect (general praise, general complaint): tone, not topics
GENERIC_THEMES = ("praise", "complaint")
