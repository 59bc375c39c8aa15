"""Reading what the console shows as numbers: each chart's table and the summary, parsed from
the page's HTML (as a screen reader or a person with the table open reads them)."""

from __future__ import annotations

from html.parser import HTMLParser


class NumbersReader(HTMLParser):
    """Collects, per chart (figure id="chart-KEY"), its table's rows; and the summary's pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, list[list[str]]] = {}
        self.summary: dict[str, str] = {}
        self._chart: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_summary = False
        self._term: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "figure" and (found.get("id") or "").startswith("chart-"):
            self._chart = (found["id"] or "")[len("chart-") :]
            self.charts[self._chart] = []
        elif tag == "dl" and "summary" in (found.get("class") or ""):
            self._in_summary = True
        elif tag == "tr" and self._chart:
            self._row = []
        elif tag in ("td", "th", "dt", "dd") and (self._row is not None or self._in_summary):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._chart = None
        elif tag == "dl":
            self._in_summary = False
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._chart and self._row is not None:
            self.charts[self._chart].append(self._row)
            self._row = None
        elif tag in ("dt", "dd") and self._in_summary and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "dt":
                self._term = text
            elif self._term is not None:
                self.summary[self._term] = text
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_numbers(html: str) -> NumbersReader:
    """The page's charts and summary."""
    reader = NumbersReader()
    reader.feed(html)
    return reader


def chart_table(html: str, key: str) -> dict[str, list[str]]:
    """One chart's numbers: row label -> the values of each series, as shown."""
    rows = read_numbers(html).charts[key]
    return {row[0]: row[1:] for row in rows[1:] if len(row) > 1}


def value(text: str) -> float | None:
    """A shown number ("14 s", "67%", "3"), or None for a dash."""
    stripped = text.rstrip("%s ").strip()
    return None if stripped in ("–", "") else float(stripped)
