"""Desk's read models, one module each: ``customer360`` (the 360 page and its timeline),
``balance`` (the value balance on it), ``portfolio`` (the value portfolio page) and
``dashboard`` (the home page's figures). Each queryset starts from ``restrict(user)``."""
