"""Value pages: tier reviews and grey/black lists (``decisions``), model versions and their
relativities (``model_versions``). The portfolio page is desk's."""
