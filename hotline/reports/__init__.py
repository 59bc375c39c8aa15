"""The figures a centre gives its donors and the ministry, and the overview's charts.

`tallies` keeps the daily figures as calls, callbacks and SMS settle (and folds rows in
before retention deletes them); `figures` reads them for a period; `charts` draws them as SVG
shapes; `tables` builds the report, whose small counts `suppression` hides. The overview and
reports read tallies only, never raw rows. No flask, no twilio.
"""

from hotline.reports.charts import Chart, Drawing, Series, Shape, draw, number
from hotline.reports.figures import Overview, Span, callbacks_in, overview, percentile
from hotline.reports.suppression import HIDDEN, SMALL
from hotline.reports.tables import OTHER, Report, Table, report
from hotline.reports.tallies import FOLD_JOB_ID, fold, fold_all, schedule_folding

__all__ = [
    "FOLD_JOB_ID",
    "HIDDEN",
    "OTHER",
    "SMALL",
    "Chart",
    "Drawing",
    "Overview",
    "Report",
    "Series",
    "Shape",
    "Span",
    "Table",
    "callbacks_in",
    "draw",
    "fold",
    "fold_all",
    "number",
    "overview",
    "percentile",
    "report",
    "schedule_folding",
]
