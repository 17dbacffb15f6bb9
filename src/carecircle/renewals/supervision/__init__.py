"""考核督导: read models of the supervision pages — who sees what and over which period
(``scope``), the figures per seat, team, channel and branch (``dashboard``), the overdue list
(``overdue``), why customers leave (``losses``) and the Excel export (``workbook``)."""
