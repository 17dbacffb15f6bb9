"""What changes a renewal: the seat's work (``workspace``), the law's refusals
(``compliance``), the daily pipeline (``pipeline``) and who works what (``assign``)."""
