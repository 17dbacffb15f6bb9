"""What changes value records: a person's decisions on tier reviews and grey/black list
entries (``decisions``), and fitting and storing model versions (``model_versions``). The
nightly run itself is the engine's (``engine.runner``)."""
