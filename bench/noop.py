"""The bare RQ job of bench.callbacks: nothing to import, nothing to do."""


def noop(number: int) -> str:
    """Do nothing; the job's result is a word, like the hotline's jobs."""
    return "done"
