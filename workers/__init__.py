"""RQ entry point and job functions. Job arguments are ids only, never numbers or text."""
